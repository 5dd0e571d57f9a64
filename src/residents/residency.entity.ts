import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A person living in a community (issue #14). Leaving keeps the row (`leftAt`), so what a resident
 * did stays explained; a person has at most one residency per community that is not left (a
 * partial unique index, migration 1764620000000). Only the person, the community's secretaries and
 * admins see it (residents.visibility.ts).
 */
@ObjectType()
@Entity()
export class Residency {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  userId: string;

  @Column('uuid')
  communityId: string;

  @Field(() => String, { nullable: true, description: 'Building or block (楼栋), free text.' })
  @Column({ type: 'text', nullable: true })
  building: string | null;

  @Field({ description: 'Set by a secretary of the community who knows the resident.' })
  @Column('boolean')
  verified: boolean;

  @Column({ type: 'uuid', nullable: true })
  verifiedBy: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  verifiedAt: Date | null;

  @Field()
  @Column('timestamptz')
  since: Date;

  @Column({ type: 'timestamptz', nullable: true })
  leftAt: Date | null;
}
