import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One transition of a reviewed object; the append-only history shared by every lifecycle. */
@ObjectType({ description: 'One transition of a reviewed object, oldest first in every history list.' })
@Entity()
export class StatusChange {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  seq: string;

  /** PARTNERSHIP, PARTNER_INVITATION, MATCH, DEMAND_ITEM, SPACE_CONTRACT, BOOKING, SERVICE_LOG ... */
  @Column('text')
  objectType: string;

  @Column('uuid')
  objectId: string;

  @Column({ type: 'uuid', nullable: true })
  communityId: string | null;

  @Field(() => String, { nullable: true })
  @Column({ name: 'from_status', type: 'text', nullable: true })
  from: string | null;

  @Field()
  @Column({ name: 'to_status', type: 'text' })
  to: string;

  @Field()
  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;

  @Column({ type: 'uuid', nullable: true })
  byUserId: string | null;

  /** What the person acting wrote; exposed through StatusChangeResolver with `noteId` rendered in the reader's language, and hidden from those who do not take part in the object. */
  @Column({ type: 'text', nullable: true })
  note: string | null;

  /** What the system noted (src/i18n message id and values), e.g. occurrences an approval skipped. */
  @Column({ type: 'text', nullable: true })
  noteId: string | null;

  @Column({ type: 'jsonb', nullable: true })
  noteValues: Record<string, unknown> | null;
}
