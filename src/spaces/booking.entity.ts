import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export enum BookingStatus {
  CONFIRMED = 'CONFIRMED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(BookingStatus, { name: 'BookingStatus' });

/** One occurrence of one of a room's weekly slots, held by a partner or by the community itself. */
@ObjectType()
@Entity()
export class Booking {
  /** The identity TypeORM and the code use. The database key is (community_id, id), as Citus wants (like every community table, migrations/1763900600000-CitusReady.ts). */
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  communityId: string;

  @Column('uuid')
  roomId: string;

  /** Null for the community's own booking. */
  @Column({ type: 'uuid', nullable: true })
  partnerId: string | null;

  @Column({ type: 'uuid', nullable: true })
  contractId: string | null;

  @Field({ name: 'start' })
  @Column({ type: 'timestamptz' })
  startAt: Date;

  @Field({ name: 'end' })
  @Column({ type: 'timestamptz' })
  endAt: Date;

  /** Exposed through a field resolver: private unless the booking is a public contract session. */
  @Column('text')
  purpose: string;

  @Field(() => BookingStatus)
  @Column('text')
  status: BookingStatus;

  @Column({ type: 'uuid', nullable: true })
  createdBy: string | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  cancelledAt: Date | null;

  @Column({ type: 'text', nullable: true })
  cancelReason: string | null;
}
