import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { LocalDateScalar, localDateColumn } from '../common/scalars';

export enum AgendaStatus {
  PROPOSED = 'PROPOSED',
  OPEN_FOR_OPINIONS = 'OPEN_FOR_OPINIONS',
  DECIDED = 'DECIDED',
  WITHDRAWN = 'WITHDRAWN',
}
registerEnumType(AgendaStatus, {
  name: 'AgendaStatus',
  valuesConfig: {
    PROPOSED: { description: "Proposed by a resident; waits for the secretary's approval before residents see it (an addition to the contract)." },
    OPEN_FOR_OPINIONS: { description: 'Residents voice opinions until `opinionsCloseAt`.' },
    DECIDED: { description: 'A meeting decided it; read-only.' },
    WITHDRAWN: { description: 'Withdrawn (or a proposal declined) with a reason; read-only.' },
  },
});

export enum Stance {
  SUPPORT = 'SUPPORT',
  OPPOSE = 'OPPOSE',
  NEUTRAL = 'NEUTRAL',
}
registerEnumType(Stance, { name: 'Stance' });

/**
 * An item put before a community's residents (议事, issue #15 item 1). Its status moves only
 * through `agendaLifecycle` (agendas.lifecycle.ts), which keeps its history.
 */
@ObjectType({ description: 'An item put before the residents (议事): opinions are gathered, then a meeting decides.' })
@Entity()
export class AgendaItem {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  communityId: string;

  @Field()
  @Column('text')
  title: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Field(() => AgendaStatus)
  @Column('text')
  status: AgendaStatus;

  @Field()
  @Column('timestamptz')
  opinionsCloseAt: Date;

  /** The secretary, admin or resident who put it forward (not shown: a resident is a person). */
  @Column('uuid')
  proposedBy: string;

  /** When residents could first see it and voice opinions (null while a proposal waits). */
  @Column({ type: 'timestamptz', nullable: true })
  openedAt: Date | null;

  @Field(() => LocalDateScalar, { nullable: true, description: "The day of the meeting that decided it, in the community's time zone." })
  @Column({ type: 'date', nullable: true, transformer: localDateColumn })
  meetingDate: string | null;

  @Field(() => Int, { nullable: true })
  @Column({ type: 'int', nullable: true })
  attendees: number | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  outcome: string | null;

  @Field(() => Date, { nullable: true, description: 'When the decision was recorded.' })
  @Column({ type: 'timestamptz', nullable: true })
  decidedAt: Date | null;

  @Field(() => String, { nullable: true, description: 'Why it was withdrawn (the committee tells the residents).' })
  @Column({ type: 'text', nullable: true })
  withdrawalReason: string | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

/** A resident's view on an agenda item: one row per item and person (a unique index), changed in place until the item closes. */
@ObjectType({ description: "A resident's view on an agenda item: one per person, changeable until the item closes." })
@Entity({ name: 'agenda_opinion' })
export class Opinion {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  communityId: string;

  @Column('uuid')
  agendaItemId: string;

  @Column('uuid')
  authorId: string;

  @Field(() => Stance)
  @Column('text')
  stance: Stance;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  text: string | null;

  @Field({ description: 'The author chose to stay anonymous: `authorName` is null for everyone.' })
  @Column('boolean')
  anonymous: boolean;

  /** 1 when voiced, +1 on each change. */
  @Column('int')
  revision: number;

  @Field({ description: 'When it was first voiced.' })
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Field({ description: 'When it was last changed (the first voicing included).' })
  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;

  /** The author's display name when the page's statement brought it (agendas.service.ts opinionsOf). */
  authorNameFetched?: string | null;
}
