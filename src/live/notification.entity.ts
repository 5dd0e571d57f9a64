import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@ObjectType({ description: 'Something that changed for the signed-in user, written in the same transaction as the change.' })
@Entity()
export class Notification {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  userId: string;

  @Column({ type: 'uuid', nullable: true })
  communityId: string | null;

  @Field({ description: '`<OBJECT>_<NEW STATUS>`, e.g. PARTNERSHIP_ACTIVE (see docs/live.md).' })
  @Column('text')
  kind: string;

  /** The text in the default language when written; `message` renders `messageId` in the reader's language instead (live.resolver.ts). */
  @Field({ description: "What happened, in the reader's language (Accept-Language, else their saved language, else zh-CN)." })
  @Column('text')
  message: string;

  /** The catalogue message (src/i18n) and its values; null on rows written before messages were translated. */
  @Column({ type: 'text', nullable: true })
  messageId: string | null;

  @Column({ type: 'jsonb', nullable: true })
  messageValues: Record<string, unknown> | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  readAt: Date | null;

  // What it is about: at most a few of these are set. The GraphQL fields resolve them with loaders.
  @Column({ type: 'uuid', nullable: true })
  partnershipId: string | null;

  @Column({ type: 'uuid', nullable: true })
  matchId: string | null;

  @Column({ type: 'uuid', nullable: true })
  contractId: string | null;

  @Column({ type: 'uuid', nullable: true })
  bookingId: string | null;

  @Column({ type: 'uuid', nullable: true })
  serviceLogId: string | null;
}
