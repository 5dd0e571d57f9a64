import { msg } from '../i18n/messages';
import { Arg, Args, Ctx as Context, Field, FieldResolver, Float, ID, Int, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { Community } from '../communities/community.entity';
import { findCommunity } from '../communities/communities.service';
import type { Ctx } from '../context';
import { DemandItem } from '../demand/demand-item.entity';
import { inProgressDemandsOf, openDemandsOf, recentlyFulfilledOf } from '../demand/demand.service';
import { Match } from '../demand/match.entity';
import { BadUserInputError } from '../errors';
import { Booking, BookingConnection } from '../spaces/booking.entity';
import { publicBenefitSessions, upcomingPublicBenefitSessions } from '../spaces/bookings.service';
import { now } from '../common/clock';
import { pageArgsFactory } from '../common/pagination';
import { LocalDateScalar } from '../common/scalars';
import { communityFigures } from './figures.service';

/**
 * What any resident may see without signing in: no personal data. public/ reads from the domains
 * (their services' public reads) and no domain imports it: a new public field is added here.
 */
@ObjectType({ description: 'What any resident may see without signing in: no personal data.' })
export class PublicBoard {
  @Field(() => Community)
  community: Community;
}

@ObjectType({ description: "A community's figures: counts, never people." })
export class CommunityFigures {
  @Field(() => Int)
  requestsReceived: number;

  @Field(() => Int)
  requestsResolved: number;

  @Field(() => Float, { nullable: true, description: 'Median days from submission to resolution, over resolved requests.' })
  medianDaysToResolve: number | null;

  @Field(() => Float, { nullable: true, description: "Average of the requesters' ratings, 1-5." })
  residentSatisfaction: number | null;

  @Field(() => Int)
  fulfilledMatches: number;

  @Field(() => Float)
  verifiedServiceHours: number;

  @Field(() => Int)
  publicBenefitSessionsHeld: number;

  @Field(() => Int)
  activePartners: number;
}

const PUBLIC_LIST_MAX = 100;
const SessionPageArgs = pageArgsFactory(20);

function publicFirst(first: number | null): number {
  const n = first ?? 50;
  if (!Number.isInteger(n) || n < 0 || n > PUBLIC_LIST_MAX) throw BadUserInputError.field('first', msg('field.betweenZeroAnd', { max: PUBLIC_LIST_MAX }));
  return n;
}

@Resolver(() => PublicBoard)
export class PublicBoardResolver {
  @Query(() => PublicBoard)
  async publicBoard(@Arg('communityId', () => ID) communityId: string, @Context() ctx: Ctx): Promise<PublicBoard> {
    return { community: await findCommunity(ctx, communityId, 'communityId') };
  }

  @FieldResolver(() => [DemandItem], { description: 'OPEN demand items, most urgent first, then oldest first.' })
  openDemands(@Root() board: PublicBoard, @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null, @Context() ctx: Ctx) {
    return openDemandsOf(ctx, board.community.id, publicFirst(first));
  }

  @FieldResolver(() => [Match], { description: 'FULFILLED matches, most recently fulfilled first.' })
  recentlyFulfilled(@Root() board: PublicBoard, @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null, @Context() ctx: Ctx) {
    return recentlyFulfilledOf(ctx, board.community.id, publicFirst(first));
  }

  @FieldResolver(() => [DemandItem], { description: "Items someone is working on (MATCHED), with the partner's name only; at most 100, the longest-held first." })
  inProgressDemands(@Root() board: PublicBoard, @Context() ctx: Ctx) {
    return inProgressDemandsOf(ctx, board.community.id, PUBLIC_LIST_MAX);
  }

  @FieldResolver(() => CommunityFigures)
  figures(@Root() board: PublicBoard, @Context() ctx: Ctx) {
    return communityFigures(ctx, board.community.id, now());
  }

  @FieldResolver(() => BookingConnection, {
    description:
      "The public-benefit sessions the community's contracts promise, from the local date `from` (the community's time zone; default today) on, chronologically; never a partner's own use of its slots.",
  })
  publicBenefitSessions(
    @Root() board: PublicBoard,
    @Arg('from', () => LocalDateScalar, { nullable: true }) from: string | null,
    @Args(() => SessionPageArgs) page: InstanceType<typeof SessionPageArgs>,
    @Context() ctx: Ctx,
  ) {
    return publicBenefitSessions(ctx, board.community, from, page);
  }

  @FieldResolver(() => [Booking], { description: 'Public-benefit contract sessions from now on, soonest first (at most 50).' })
  upcomingPublicBenefitSessions(@Root() board: PublicBoard, @Context() ctx: Ctx) {
    return upcomingPublicBenefitSessions(ctx, board.community.id);
  }
}
