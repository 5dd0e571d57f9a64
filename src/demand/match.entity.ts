import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export enum MatchOrigin {
  CLAIM = 'CLAIM',
  DISPATCH = 'DISPATCH',
}
registerEnumType(MatchOrigin, {
  name: 'MatchOrigin',
  valuesConfig: {
    CLAIM: { description: 'A partner claimed the demand item.' },
    DISPATCH: { description: "A secretary dispatched a partner's offer to the demand item." },
  },
});

export enum MatchStatus {
  PROPOSED = 'PROPOSED',
  PENDING_REVIEW = 'PENDING_REVIEW',
  APPROVED = 'APPROVED',
  REJECTED = 'REJECTED',
  DECLINED = 'DECLINED',
  WITHDRAWN = 'WITHDRAWN',
  FULFILLED = 'FULFILLED',
}
registerEnumType(MatchStatus, { name: 'MatchStatus' });

/** Matches that hold units of their demand item and offer. */
export const LIVE_MATCH: readonly MatchStatus[] = [MatchStatus.PROPOSED, MatchStatus.PENDING_REVIEW, MatchStatus.APPROVED, MatchStatus.FULFILLED];
/** Live and not yet delivered: what withdrawing can still undo. */
export const UNFULFILLED_MATCH: readonly MatchStatus[] = [MatchStatus.PROPOSED, MatchStatus.PENDING_REVIEW, MatchStatus.APPROVED];

@ObjectType({ description: "A pairing of a demand item with a partner, reviewed by the community's secretary." })
@Entity('demand_match')
export class Match {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  communityId: string;

  @Column('uuid')
  demandId: string;

  /** Null when an individual volunteer took it on (then `volunteerId` is set; a CHECK keeps exactly one). */
  @Column({ type: 'uuid', nullable: true })
  partnerId: string | null;

  /** The resident who claimed it alone (issue #14); exposed through MatchResolver (demand.visibility.ts). */
  @Column({ type: 'uuid', nullable: true })
  volunteerId: string | null;

  @Column({ type: 'uuid', nullable: true })
  offerId: string | null;

  @Field(() => Int)
  @Column('int')
  quantity: number;

  @Field(() => MatchOrigin)
  @Column('text')
  origin: MatchOrigin;

  @Field(() => MatchStatus)
  @Column('text')
  status: MatchStatus;

  /** Exposed through MatchResolver (hidden from anonymous readers of the public board). */
  @Column({ type: 'text', nullable: true })
  note: string | null;

  @Column({ type: 'text', nullable: true })
  reviewNote: string | null;

  @Column({ type: 'uuid', nullable: true })
  reviewedById: string | null;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  reviewedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the secretary confirmed delivery.' })
  @Column({ type: 'timestamptz', nullable: true })
  fulfilledAt: Date | null;

  @Column('smallint')
  urgencyRank: number;

  @Column('uuid')
  createdBy: string;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

@ObjectType()
@Entity()
export class Evaluation {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  communityId: string;

  @Column('uuid')
  matchId: string;

  /** Null for an individual volunteer's match. */
  @Column({ type: 'uuid', nullable: true })
  partnerId: string | null;

  @Field(() => Int, { description: '1-5' })
  @Column('smallint')
  rating: number;

  /** Exposed through EvaluationResolver (the partner and the secretaries only). */
  @Column({ type: 'text', nullable: true })
  comment: string | null;

  @Column('uuid')
  evaluatedById: string;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
