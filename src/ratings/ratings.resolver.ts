import { Arg, Ctx as Context, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { authorize, readerId } from '../auth/policy';
import { byId } from '../common/loaders';
import { findCommunity } from '../communities/communities.service';
import { Community } from '../communities/community.entity';
import { Partner } from '../partners/partner.entity';
import type { Ctx } from '../context';
import { PartnerRating, RatingBallot, RatingPanellist, RatingRound } from './rating-round.entity';
import { roundVisibility } from './ratings.visibility';
import { User } from '../users/user.entity';
import { CriterionScoreInput, OpenRatingRoundInput } from './ratings.inputs';
import { mayScore, RATINGS_POLICY as may } from './ratings.policy';
import * as ratings from './ratings.service';

/*
 * Rating rounds are public: a round, its criteria, partners, counts and (once closed) results are
 * what the community publishes (评估定星公示). Who sits on the panel is for the community's
 * secretaries and admins (ratings.visibility.ts); what each panellist scored is read by that
 * panellist alone (`myBallots`).
 */
@Resolver(() => RatingRound)
export class RatingRoundResolver {
  @Query(() => RatingRound, { nullable: true })
  ratingRound(@Arg('id', () => ID) id: string, @Context() ctx: Ctx) {
    return ratings.roundOrNull(ctx, id);
  }

  @Query(() => [RatingRound], { description: 'Newest first. `after`: the id of the last round of the previous page.' })
  async ratingRounds(
    @Arg('communityId', () => ID) communityId: string,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Context() ctx: Ctx,
  ) {
    const community = await findCommunity(ctx, communityId, 'communityId');
    return ratings.listRounds(ctx, community.id, first ?? 20, after);
  }

  @Mutation(() => RatingRound)
  async openRatingRound(@Arg('input', () => OpenRatingRoundInput) input: OpenRatingRoundInput, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.openRatingRound, { input });
    return ratings.openRound(ctx, input, roles.userId);
  }

  @Mutation(() => RatingRound, { description: "A panellist's scores for one partner; may be replaced until the round closes." })
  async scorePartner(
    @Arg('roundId', () => ID) roundId: string,
    @Arg('partnerId', () => ID) partnerId: string,
    @Arg('scores', () => [CriterionScoreInput]) scores: CriterionScoreInput[],
    @Arg('comment', () => String, { nullable: true }) comment: string | null,
    @Context() ctx: Ctx,
  ) {
    const { roles } = await authorize(ctx, may.scorePartner, { roundId });
    const round = await ratings.findRound(ctx, roundId, 'roundId');
    await mayScore(ctx, round, partnerId, roles);
    return ratings.score(ctx, round, partnerId, scores, comment, roles.userId);
  }

  @Mutation(() => RatingRound, { description: 'Computes and publishes the results, frozen from then on.' })
  async closeRatingRound(@Arg('id', () => ID) id: string, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.closeRatingRound, { id });
    return ratings.closeRound(ctx, id, roles.userId);
  }

  @FieldResolver(() => Community)
  community(@Root() round: RatingRound, @Context() ctx: Ctx) {
    return findCommunity(ctx, round.communityId);
  }

  @FieldResolver(() => [Partner])
  partners(@Root() round: RatingRound, @Context() ctx: Ctx) {
    return ratings.partnersOf(ctx, round);
  }

  @FieldResolver(() => Int, { description: 'How many panellists have scored every partner so far.' })
  ballotsCast(@Root() round: RatingRound, @Context() ctx: Ctx) {
    return ratings.ballotsCast(ctx, round);
  }

  @FieldResolver(() => Int)
  async panelSize(@Root() round: RatingRound, @Context() ctx: Ctx) {
    return (await ratings.panelOf(ctx, round)).length;
  }

  @FieldResolver(() => [RatingPanellist], { description: "Who sits on the panel and how far each has got: the community's secretaries and admins only (empty for anyone else)." })
  async panel(@Root() round: RatingRound, @Context() ctx: Ctx) {
    return (await roundVisibility(ctx, round)).field('panel') ? ratings.panelWithProgress(ctx, round) : [];
  }

  @FieldResolver(() => Boolean, { description: 'Whether the signed-in user sits on the panel (false for anyone else).' })
  async onPanel(@Root() round: RatingRound, @Context() ctx: Ctx) {
    const me = readerId(ctx);
    return !!me && (await ratings.isPanellist(ctx, round, me));
  }

  @FieldResolver(() => [RatingBallot], { description: "The signed-in panellist's own ballots (empty for anyone else)." })
  async myBallots(@Root() round: RatingRound, @Context() ctx: Ctx) {
    const me = readerId(ctx);
    return me && (await ratings.isPanellist(ctx, round, me)) ? ratings.ballotsOf(ctx, round, me) : [];
  }

  @FieldResolver(() => [PartnerRating], { description: 'Empty until the round is closed; best first. A partner nobody scored has no result.' })
  results(@Root() round: RatingRound, @Context() ctx: Ctx) {
    return ratings.resultsOf(ctx, round);
  }
}

@Resolver(() => PartnerRating)
export class PartnerRatingResolver {
  @FieldResolver(() => Partner)
  partner(@Root() rating: PartnerRating, @Context() ctx: Ctx) {
    return byId(ctx, Partner).load(rating.partnerId);
  }

  @FieldResolver(() => RatingRound)
  round(@Root() rating: PartnerRating, @Context() ctx: Ctx) {
    return byId(ctx, RatingRound).load(rating.roundId);
  }
}

@Resolver(() => RatingPanellist)
export class RatingPanellistResolver {
  @FieldResolver(() => User)
  user(@Root() seat: RatingPanellist, @Context() ctx: Ctx) {
    return byId(ctx, User).load(seat.userId);
  }
}

@Resolver(() => RatingBallot)
export class RatingBallotResolver {
  @FieldResolver(() => Partner)
  partner(@Root() ballot: RatingBallot, @Context() ctx: Ctx) {
    return byId(ctx, Partner).load(ballot.partnerId);
  }
}

/** `Partner.ratings`: kept here so that partners/ knows nothing of rating rounds. */
@Resolver(() => Partner)
export class PartnerRatingsResolver {
  @FieldResolver(() => [PartnerRating], { description: 'Published results of closed rating rounds, newest first (the latest 20).' })
  ratings(@Root() partner: Partner, @Context() ctx: Ctx) {
    return ratings.ratingsOfPartner(ctx, partner.id);
  }
}

export const ratingsResolvers = [RatingRoundResolver, PartnerRatingResolver, RatingPanellistResolver, RatingBallotResolver, PartnerRatingsResolver] as const;
