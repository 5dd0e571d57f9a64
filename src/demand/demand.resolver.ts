import { findOrNull } from '../common/find';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx as Context, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { authorize, authorizeRead, signedIn } from '../auth/policy';
import { historyOf } from '../common/history';
import { byId, groupedBy, linked } from '../common/loaders';
import { ConnectionType, pageArgsFactory } from '../common/pagination';
import { prefetched } from '../common/prefetch';
import { fieldTree } from '../common/selection';
import { StatusChange } from '../common/status-change.entity';
import { Community } from '../communities/community.entity';
import { findCommunity } from '../communities/communities.service';
import type { Ctx } from '../context';
import { BadUserInputError, NotFoundError } from '../errors';
import { Partner } from '../partners/partner.entity';
import { ReviewDecision } from '../common/review';
import { findPartner } from '../partners/partners.service';
import { partnerVisibility } from '../partners/partners.visibility';
import { User } from '../users/user.entity';
import { DemandItem } from './demand-item.entity';
import {
  ClaimDemandInput,
  DemandFilter,
  DispatchOfferInput,
  EvaluationInput,
  MatchFilter,
  OfferFilter,
  PostDemandInput,
  PublishOfferInput,
} from './demand.inputs';
import { MATCHES_OF_DEMAND_ORDER } from './demand.prefetch';
import { DEMAND_POLICY as may, REVIEW_QUEUE } from './demand.policy';
import * as demand from './demand.service';
import {
  demandItemVisibility,
  evaluationVisibility,
  matchVisibility,
  matchVisibilityNow,
  supplyOfferVisibility,
  visibleMatches,
  visibleMatchesNow,
} from './demand.visibility';
import { Evaluation, Match } from './match.entity';
import * as offers from './offers.service';
import { DemandSuggestion, MatchSuggestion, suggestedDemandsFor, suggestionsFor } from './suggestions.service';
import { OfferCommunity, OfferStatus, SupplyOffer } from './supply-offer.entity';
import { msg } from '../i18n/messages';

/*
 * Reading: demand items, offers and matches are for signed-in users (DESIGN.md); anonymous
 * residents see the public board. What each viewer may read of a row (notes, reviewers, histories,
 * offers, matches not approved) is decided in demand.visibility.ts; the field resolvers below ask
 * it and answer null or [] for the rest.
 */

const DemandItemConnection = ConnectionType(DemandItem, 'DemandItem');
const DemandPageArgs = pageArgsFactory(20);
const SupplyOfferConnection = ConnectionType(SupplyOffer, 'SupplyOffer');
const OfferPageArgs = pageArgsFactory(20);
const MatchConnection = ConnectionType(Match, 'Match');
const MatchPageArgs = pageArgsFactory(20);

@Resolver(() => DemandItem)
export class DemandItemResolver {
  @Query(() => DemandItem, { nullable: true })
  demandItem(@Arg('id', () => ID) id: string, @Context() ctx: Ctx) {
    signedIn(ctx);
    return findOrNull(ctx, DemandItem, id);
  }

  @Query(() => DemandItemConnection)
  demandItems(
    @Arg('filter', () => DemandFilter, { nullable: true }) filter: DemandFilter | null,
    @Args(() => DemandPageArgs) page: InstanceType<typeof DemandPageArgs>,
    @Context() ctx: Ctx,
    @Info() info: GraphQLResolveInfo,
  ) {
    signedIn(ctx);
    return demand.listDemandItems(ctx, filter, page, fieldTree(info));
  }

  @Mutation(() => DemandItem)
  async postDemand(@Arg('input', () => PostDemandInput) input: PostDemandInput, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.postDemand, { input });
    return demand.postDemand(ctx, input, roles.userId);
  }

  @Mutation(() => DemandItem)
  async cancelDemand(@Arg('id', () => ID) id: string, @Arg('reason') reason: string, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.cancelDemand, { id });
    return demand.cancelDemand(ctx, id, reason, roles.userId);
  }

  @FieldResolver(() => Community)
  community(@Root() item: DemandItem, @Context() ctx: Ctx) {
    return prefetched<Community>(item, 'community') ?? findCommunity(ctx, item.communityId);
  }

  @FieldResolver(() => [Match], { description: 'Its matches the viewer may see: APPROVED and FULFILLED ones to everyone, all to the partner and the secretaries.' })
  matches(@Root() item: DemandItem, @Context() ctx: Ctx): Match[] | Promise<Match[]> {
    // Prefetched rows whose viewer roles are known are answered at once: no promise per item of a page.
    const all = prefetched<Match[]>(item, 'matches');
    if (all) return visibleMatchesNow(ctx, all) ?? visibleMatches(ctx, all);
    return groupedBy(ctx, Match, 'demandId', MATCHES_OF_DEMAND_ORDER).load(item.id).then((rows) => visibleMatches(ctx, rows));
  }

  @FieldResolver(() => [MatchSuggestion], { description: 'Offers that could meet what remains, best first, each with its reasons.' })
  async suggestions(@Root() item: DemandItem, @Arg('first', () => Int, { nullable: true, defaultValue: 5 }) first: number | null, @Context() ctx: Ctx) {
    if (!(await demandItemVisibility(ctx, item)).field('suggestions')) return [];
    return suggestionsFor(ctx, item, first);
  }

  @FieldResolver(() => [StatusChange], { description: 'Every status change, oldest first (signed-in users only; empty otherwise).' })
  async history(@Root() item: DemandItem, @Context() ctx: Ctx) {
    const may = await demandItemVisibility(ctx, item);
    return may.field('history') ? historyOf(ctx, item.id, may.field('history { note by }')) : [];
  }
}

@Resolver(() => SupplyOffer)
export class SupplyOfferResolver {
  @Query(() => SupplyOffer, { nullable: true, description: 'One offer of the resource pool.' })
  offer(@Arg('id', () => ID) id: string, @Context() ctx: Ctx) {
    signedIn(ctx);
    return findOrNull(ctx, SupplyOffer, id);
  }

  @Query(() => SupplyOfferConnection)
  offers(
    @Arg('filter', () => OfferFilter, { nullable: true }) filter: OfferFilter | null,
    @Args(() => OfferPageArgs) page: InstanceType<typeof OfferPageArgs>,
    @Context() ctx: Ctx,
  ) {
    signedIn(ctx);
    return offers.listOffers(ctx, filter, page);
  }

  @Mutation(() => SupplyOffer)
  async publishOffer(@Arg('input', () => PublishOfferInput) input: PublishOfferInput, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.publishOffer, { input });
    return offers.publishOffer(ctx, input, roles.userId);
  }

  @Mutation(() => SupplyOffer)
  async setOfferStatus(@Arg('id', () => ID) id: string, @Arg('status', () => OfferStatus) status: OfferStatus, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.setOfferStatus, { id });
    return offers.setOfferStatus(ctx, id, status, roles.userId);
  }

  @FieldResolver(() => Partner)
  partner(@Root() offer: SupplyOffer, @Context() ctx: Ctx) {
    return findPartner(ctx, offer.partnerId);
  }

  @FieldResolver(() => [Community], { description: 'Communities it is offered to; empty means every community where the partner is ACTIVE.' })
  communities(@Root() offer: SupplyOffer, @Context() ctx: Ctx) {
    if (offer.allCommunities) return [];
    return linked(ctx, 'communitiesByOffer', OfferCommunity, 'offerId', 'communityId', Community).load(offer.id);
  }

  @FieldResolver(() => [StatusChange], { description: 'Every status change, oldest first.' })
  async history(@Root() offer: SupplyOffer, @Context() ctx: Ctx) {
    const may = await supplyOfferVisibility(ctx, offer);
    return may.field('history') ? historyOf(ctx, offer.id, may.field('history { note by }')) : [];
  }
}

@Resolver(() => Match)
export class MatchResolver {
  @Query(() => Match, { nullable: true })
  async match(@Arg('id', () => ID) id: string, @Context() ctx: Ctx) {
    signedIn(ctx);
    const match = await findOrNull(ctx, Match, id);
    return match && (await matchVisibility(ctx, match)).row ? match : null;
  }

  @Query(() => MatchConnection)
  matches(
    @Arg('filter', () => MatchFilter, { nullable: true }) filter: MatchFilter | null,
    @Args(() => MatchPageArgs) page: InstanceType<typeof MatchPageArgs>,
    @Context() ctx: Ctx,
    @Info() info: GraphQLResolveInfo,
  ) {
    signedIn(ctx);
    return demand.listMatches(ctx, filter, page, fieldTree(info));
  }

  @Query(() => MatchConnection, { description: 'PENDING_REVIEW matches of one community: most urgent first, then oldest first.' })
  reviewQueue(
    @Arg('communityId', () => ID) communityId: string,
    @Args(() => MatchPageArgs) page: InstanceType<typeof MatchPageArgs>,
    @Context() ctx: Ctx,
    @Info() info: GraphQLResolveInfo,
  ) {
    return authorizeRead(ctx, REVIEW_QUEUE, { communityId }, () => demand.reviewQueue(ctx, communityId, page, fieldTree(info)));
  }

  @Mutation(() => Match)
  async claimDemand(@Arg('input', () => ClaimDemandInput) input: ClaimDemandInput, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.claimDemand, { input });
    return demand.claimDemand(ctx, await demand.findDemand(ctx, input.demandId), input, roles.userId);
  }

  @Mutation(() => Match)
  async dispatchOffer(@Arg('input', () => DispatchOfferInput) input: DispatchOfferInput, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.dispatchOffer, { input });
    return demand.dispatchOffer(ctx, await demand.findDemand(ctx, input.demandId), await demand.findOffer(ctx, input.offerId), input, roles.userId);
  }

  @Mutation(() => Match)
  async respondToDispatch(
    @Arg('id', () => ID) id: string,
    @Arg('accept') accept: boolean,
    @Arg('note', () => String, { nullable: true }) note: string | null,
    @Context() ctx: Ctx,
  ) {
    const { roles } = await authorize(ctx, may.respondToDispatch, { id });
    return demand.respondToDispatch(ctx, id, accept, note, roles.userId);
  }

  @Mutation(() => Match)
  async reviewMatch(
    @Arg('id', () => ID) id: string,
    @Arg('decision', () => ReviewDecision) decision: ReviewDecision,
    @Arg('note', () => String, { nullable: true }) note: string | null,
    @Context() ctx: Ctx,
  ) {
    const { roles } = await authorize(ctx, may.reviewMatch, { id });
    return demand.reviewMatch(ctx, id, decision, note, roles.userId);
  }

  @Mutation(() => Match)
  async withdrawMatch(@Arg('id', () => ID) id: string, @Arg('reason') reason: string, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.withdrawMatch, { id });
    return demand.withdrawMatch(ctx, id, reason, roles.userId);
  }

  @Mutation(() => Match)
  async markMatchFulfilled(@Arg('id', () => ID) id: string, @Arg('note', () => String, { nullable: true }) note: string | null, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.markMatchFulfilled, { id });
    return demand.markMatchFulfilled(ctx, id, note, roles.userId);
  }

  @Mutation(() => Evaluation)
  async evaluateMatch(@Arg('id', () => ID) id: string, @Arg('input', () => EvaluationInput) input: EvaluationInput, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.evaluateMatch, { id });
    return demand.evaluateMatch(ctx, await demand.findMatch(ctx, id), input, roles.userId);
  }

  @FieldResolver(() => DemandItem)
  demand(@Root() match: Match, @Context() ctx: Ctx) {
    return prefetched<DemandItem>(match, 'demand') ?? demand.findDemand(ctx, match.demandId);
  }

  @FieldResolver(() => Partner, { nullable: true, description: 'Null when an individual volunteer took it on (see volunteer).' })
  partner(@Root() match: Match, @Context() ctx: Ctx) {
    if (!match.partnerId) return null;
    return prefetched<Partner>(match, 'partner') ?? findPartner(ctx, match.partnerId);
  }

  @FieldResolver(() => User, { nullable: true, description: 'The individual who took it on, when there is no partner.' })
  async volunteer(@Root() match: Match, @Context() ctx: Ctx) {
    return match.volunteerId && (await matchVisibility(ctx, match)).field('volunteer') ? byId(ctx, User).load(match.volunteerId) : null;
  }

  @FieldResolver(() => SupplyOffer, { nullable: true, description: 'Null for anonymous readers of the public board.' })
  offer(@Root() match: Match, @Context() ctx: Ctx): SupplyOffer | null | Promise<SupplyOffer | null> {
    const offerId = match.offerId;
    if (!offerId) return null;
    const found = (seen: { field(name: 'offer'): boolean }) => (seen.field('offer') ? (prefetched<SupplyOffer>(match, 'offer') ?? byId(ctx, SupplyOffer).load(offerId)) : null);
    // Without waiting when the viewer's roles are known (a nested read's matches): no promise per match.
    const now = matchVisibilityNow(ctx, match);
    return now ? found(now) : matchVisibility(ctx, match).then(found);
  }

  @FieldResolver(() => String, { nullable: true, description: "The claimant's or dispatcher's note (the partner's members, the community's secretaries, admins)." })
  note(@Root() match: Match, @Context() ctx: Ctx) {
    return noteIfVisible(ctx, match, 'note');
  }

  @FieldResolver(() => String, { nullable: true, description: "The secretary's review note (the partner's members, the community's secretaries, admins)." })
  reviewNote(@Root() match: Match, @Context() ctx: Ctx) {
    return noteIfVisible(ctx, match, 'reviewNote');
  }

  @FieldResolver(() => User, { nullable: true, description: "The partner's members, the community's secretaries, admins." })
  async reviewedBy(@Root() match: Match, @Context() ctx: Ctx) {
    return match.reviewedById && (await matchVisibility(ctx, match)).field('reviewedBy') ? byId(ctx, User).load(match.reviewedById) : null;
  }

  @FieldResolver(() => [StatusChange], { description: 'Every transition, oldest first (signed-in users only; empty otherwise).' })
  async history(@Root() match: Match, @Context() ctx: Ctx) {
    const may = await matchVisibility(ctx, match);
    return may.field('history') ? historyOf(ctx, match.id, may.field('history { note by }')) : [];
  }

  @FieldResolver(() => Evaluation, { nullable: true, description: "The secretary's evaluation (its evaluator and comment): the partner's members, the community's secretaries, admins; null for everyone else, who read `rating`." })
  async evaluation(@Root() match: Match, @Context() ctx: Ctx) {
    if (!(await matchVisibility(ctx, match)).field('evaluation')) return null;
    const found = prefetched<Evaluation[]>(match, 'evaluation') ?? (await groupedBy(ctx, Evaluation, 'matchId').load(match.id));
    return found[0] ?? null;
  }

  @FieldResolver(() => Int, { nullable: true, description: 'The 1-5 rating of the outcome once evaluated: public, as an outcome is.' })
  async rating(@Root() match: Match, @Context() ctx: Ctx) {
    const found = prefetched<Evaluation[]>(match, 'evaluation') ?? (await groupedBy(ctx, Evaluation, 'matchId').load(match.id));
    return found[0]?.rating ?? null;
  }
}

@Resolver(() => Evaluation)
export class EvaluationResolver {
  @FieldResolver(() => Match)
  match(@Root() evaluation: Evaluation, @Context() ctx: Ctx) {
    return demand.findMatch(ctx, evaluation.matchId);
  }

  @FieldResolver(() => String, { nullable: true, description: "The partner's members, the community's secretaries, admins; the rating is public." })
  async comment(@Root() evaluation: Evaluation, @Context() ctx: Ctx) {
    return (await evaluationVisibility(ctx, evaluation)).field('comment') ? evaluation.comment : null;
  }

  @FieldResolver(() => User, { description: 'Who evaluated (an evaluation is shown only to those who may know it: see Match.evaluation).' })
  evaluatedBy(@Root() evaluation: Evaluation, @Context() ctx: Ctx) {
    return byId(ctx, User).load(evaluation.evaluatedById);
  }
}

@Resolver(() => Partner)
export class PartnerDemandResolver {
  @FieldResolver(() => [SupplyOffer], { description: "The partner's offers, oldest first (signed-in users only)." })
  async offers(@Root() partner: Partner, @Context() ctx: Ctx) {
    if (!(await partnerVisibility(ctx, partner)).field('offers')) return [];
    return groupedBy(ctx, SupplyOffer, 'partnerId', { createdAt: 'ASC', id: 'ASC' }).load(partner.id);
  }

  @FieldResolver(() => [DemandSuggestion], { description: "Open demand items in this partner's active communities that fit its offers, best first." })
  async suggestedDemands(@Root() partner: Partner, @Arg('first', () => Int, { nullable: true, defaultValue: 10 }) first: number | null, @Context() ctx: Ctx) {
    if (!(await partnerVisibility(ctx, partner)).field('suggestedDemands')) return [];
    return suggestedDemandsFor(ctx, partner.id, first);
  }
}

/** A match's note or review note for a viewer who may read it, else null; without waiting when the viewer's roles are known (a review queue's page: no promise per match). */
function noteIfVisible(ctx: Ctx, match: Match, field: 'note' | 'reviewNote'): string | null | Promise<string | null> {
  const pick = (seen: { field(name: 'note' | 'reviewNote'): boolean }) => (seen.field(field) ? match[field] : null);
  const now = matchVisibilityNow(ctx, match);
  return now ? pick(now) : matchVisibility(ctx, match).then(pick);
}
