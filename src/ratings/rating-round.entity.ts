import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export enum RatingRoundStatus {
  OPEN = 'OPEN',
  CLOSED = 'CLOSED',
}
registerEnumType(RatingRoundStatus, { name: 'RatingRoundStatus' });

@ObjectType()
export class RatingCriterion {
  @Field()
  key: string;

  @Field()
  name: string;

  @Field(() => Float)
  weight: number;
}

/** The five dimensions the communities rate partners on (评估定星), equally weighted: a round's default. */
export const DEFAULT_CRITERIA: readonly RatingCriterion[] = [
  { key: 'party_leadership', name: '党建引领作用', weight: 1 },
  { key: 'institutional_standards', name: '制度规范化建设', weight: 1 },
  { key: 'overall_effectiveness', name: '整体工作效能', weight: 1 },
  { key: 'social_assessment', name: '社会评估', weight: 1 },
  { key: 'innovation', name: '创新工作机制', weight: 1 },
];

/**
 * A periodic evaluation of partners by a panel (评议会), issue #15. OPEN -> CLOSED only through
 * `ratingRoundLifecycle` (ratings.lifecycle.ts); its partners, panel, ballots and the results the
 * close freezes live in their own tables (migration 1764730000000), read in SQL by ratings.service.ts.
 */
@ObjectType({ description: 'A periodic evaluation of partners by a panel (评议会): each panellist scores each partner on each criterion 1-5.' })
@Entity()
export class RatingRound {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  communityId: string;

  @Field()
  @Column('text')
  title: string;

  @Field({ description: 'e.g. 2026Q4' })
  @Column('text')
  period: string;

  @Field(() => RatingRoundStatus)
  @Column('text')
  status: RatingRoundStatus;

  @Field()
  @Column('timestamptz')
  closesAt: Date;

  @Field(() => [RatingCriterion])
  @Column('jsonb')
  criteria: RatingCriterion[];

  @Column('uuid')
  openedBy: string;

  @Column({ type: 'timestamptz', nullable: true })
  remindedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was closed and its results published.' })
  @Column({ type: 'timestamptz', nullable: true })
  closedAt: Date | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

@ObjectType()
export class CriterionScore {
  @Field()
  key: string;

  @Field(() => Float)
  average: number;
}

/** The published outcome of a closed round for one partner: a row of partner_rating, frozen by the close. */
@ObjectType({ description: 'The published outcome of a closed round for one partner (评估定星).' })
export class PartnerRating {
  communityId: string;
  roundId: string;
  partnerId: string;

  @Field(() => Int, { description: "1-5: the score rounded half up (2.5 is 3 stars)." })
  stars: number;

  @Field(() => Float, { description: "The weighted mean over the criteria of the panel's average score on each (1-5, four decimals)." })
  score: number;

  @Field(() => Int, { description: 'How many panellists scored this partner.' })
  ballots: number;

  @Field(() => [CriterionScore], { description: "The panel's average on each criterion, in the round's order." })
  byCriterion: CriterionScore[];

  @Field({ description: 'When the round closed.' })
  publishedAt: Date;
}

@ObjectType()
export class BallotScore {
  @Field()
  key: string;

  @Field(() => Int)
  score: number;
}

/** One panellist's scores for one partner in a round: shown to that panellist only (`RatingRound.myBallots`). */
@ObjectType({ description: "A panellist's own scores for one partner of a round (only they read it)." })
export class RatingBallot {
  communityId: string;
  partnerId: string;

  @Field(() => [BallotScore])
  scores: BallotScore[];

  @Field(() => String, { nullable: true })
  comment: string | null;

  @Field()
  scoredAt: Date;
}

/** A seat on a round's panel, as its secretaries see it: who, and how far they have got. */
@ObjectType({ description: "A member of a round's panel (the community's secretaries and admins only)." })
export class RatingPanellist {
  userId: string;

  @Field(() => Int, { description: 'How many of the round’s partners they have scored so far.' })
  scoredPartners: number;
}
