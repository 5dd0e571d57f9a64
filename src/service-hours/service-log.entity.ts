import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export enum ServiceLogStatus {
  PENDING = 'PENDING',
  VERIFIED = 'VERIFIED',
  REJECTED = 'REJECTED',
}
registerEnumType(ServiceLogStatus, { name: 'ServiceLogStatus' });

/** Hours one volunteer served in one community, optionally for a partner; verified by the community's secretary. */
@ObjectType()
@Entity()
export class ServiceLog {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  communityId: string;

  @Column('uuid')
  volunteerId: string;

  @Column({ type: 'uuid', nullable: true })
  partnerId: string | null;

  /** The match or contract the service was for; its foreign key arrives with the demand/spaces migrations. */
  @Column({ type: 'uuid', nullable: true })
  matchId: string | null;

  @Column({ type: 'uuid', nullable: true })
  contractId: string | null;

  @Field()
  @Column({ type: 'timestamptz' })
  startedAt: Date;

  @Field()
  @Column({ type: 'timestamptz' })
  endedAt: Date;

  @Field(() => Int)
  @Column('int')
  minutes: number;

  @Field()
  @Column('text')
  description: string;

  @Field(() => ServiceLogStatus)
  @Column('text')
  status: ServiceLogStatus;

  /** Who logged it for its volunteer (a partner owner); null when the volunteer logged it. */
  @Column({ type: 'uuid', nullable: true })
  loggedById: string | null;

  /** Who verified or rejected it. */
  @Column({ type: 'uuid', nullable: true })
  verifiedById: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was verified or rejected.' })
  @Column({ type: 'timestamptz', nullable: true })
  verifiedAt: Date | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
