import { Arg, Args, Ctx as Context, createUnionType, Field, FieldResolver, ID, Int, ObjectType, Query, Resolver, Root, Subscription, type ClassType } from 'type-graphql';
import { authorize } from '../auth/policy';
import { ConnectionType, pageArgsFactory } from '../common/pagination';
import { Community } from '../communities/community.entity';
import { findCommunity } from '../communities/communities.service';
import type { Ctx } from '../context';
import { Match } from '../demand/match.entity';
import { freshLoaders, subscribePendingWork } from '../live/live.service';
import { Partnership } from '../partners/partner.entity';
import { ResidentRequest } from '../residents/resident-request.entity';
import { ServiceLog } from '../service-hours/service-log.entity';
import { SpaceContract } from '../spaces/space-contract.entity';
import { PENDING_WORK } from './pending.policy';
import { pendingCounts, pendingPage, type PendingCounts } from './pending.service';

const NODE_TYPES = [Match, SpaceContract, Partnership, ServiceLog, ResidentRequest] as const;

export const PendingItem = createUnionType({
  name: 'PendingItem',
  description: "Anything waiting for a secretary's decision.",
  types: () => NODE_TYPES,
  // No resolveType: type-graphql's default picks the type by `instanceof` (nodes are entity
  // instances from the loaders), synchronously as compiled execution (graphql-jit) needs.
});

const PendingItemConnection = ConnectionType(PendingItem as unknown as ClassType<object>, 'PendingItem');
const PendingItemPageArgs = pageArgsFactory(20);

@ObjectType({ description: 'What waits for a decision in one community, every kind together.' })
export class PendingWork {
  @Field(() => Community)
  community: Community;

  /** Counted once per answer, the first time a count (or the items' totalCount) is asked for. */
  counts: () => Promise<PendingCounts>;
}

function pendingWork(ctx: Ctx, community: Community): PendingWork {
  let counted: Promise<PendingCounts> | undefined;
  return Object.assign(new PendingWork(), { community, counts: () => (counted ??= pendingCounts(ctx, community.id)) });
}

type SubscribeData = { args: Record<string, string>; context: Ctx };

/**
 * A community's pending work (issue #16 item 4): the secretary's five queues in one answer, and the
 * same counts live. A reader of the domains (like public/): no domain imports it.
 */
@Resolver(() => PendingWork)
export class PendingWorkResolver {
  @Query(() => PendingWork, { description: "For the community's secretaries and admins." })
  async pendingWork(@Arg('communityId', () => ID) communityId: string, @Context() ctx: Ctx): Promise<PendingWork> {
    await authorize(ctx, PENDING_WORK, { communityId });
    return pendingWork(ctx, await findCommunity(ctx, communityId, 'communityId'));
  }

  @Subscription(() => PendingWork, {
    description: "Fires with the new counts when what waits in this community changed (after the change's commit, once per change); secretaries of it and admins only.",
    subscribe: ({ args, context }: SubscribeData) => subscribePendingWork(context, args.communityId),
  })
  async pendingWorkChanged(@Arg('communityId', () => ID) communityId: string, @Context() ctx: Ctx): Promise<PendingWork> {
    freshLoaders(ctx);
    return pendingWork(ctx, await findCommunity(ctx, communityId, 'communityId'));
  }

  @FieldResolver(() => Int, { description: 'Matches awaiting review (PENDING_REVIEW).' })
  async claims(@Root() work: PendingWork) {
    return (await work.counts()).claims;
  }

  @FieldResolver(() => Int, { description: 'Contracts awaiting review (PENDING_REVIEW).' })
  async contracts(@Root() work: PendingWork) {
    return (await work.counts()).contracts;
  }

  @FieldResolver(() => Int, { description: 'Partnership requests (PENDING).' })
  async partnerships(@Root() work: PendingWork) {
    return (await work.counts()).partnerships;
  }

  @FieldResolver(() => Int, { description: 'Service logs awaiting verification (PENDING).' })
  async serviceLogs(@Root() work: PendingWork) {
    return (await work.counts()).serviceLogs;
  }

  @FieldResolver(() => Int, { description: "Residents' requests awaiting triage (SUBMITTED) or inspection (AWAITING_INSPECTION, 验收)." })
  async requests(@Root() work: PendingWork) {
    return (await work.counts()).requests;
  }

  @FieldResolver(() => Int)
  async total(@Root() work: PendingWork) {
    return (await work.counts()).total;
  }

  @FieldResolver(() => PendingItemConnection, {
    description:
      'Most urgent first, then oldest. Each item counts as waiting since it was raised, earlier by a head start (a claim: its demand\'s urgency, URGENT 3 days to LOW 0; a contract or partnership: 1 day; a request: its triage head start, repair 3 days to suggestion 0, or, awaiting inspection since the work was reported done, its demand\'s urgency; a service log: none), and at least since a week before the day it is due (a claim: its demand\'s neededBy; a contract: its first day).',
  })
  items(@Root() work: PendingWork, @Args(() => PendingItemPageArgs) page: InstanceType<typeof PendingItemPageArgs>, @Context() ctx: Ctx) {
    return pendingPage(ctx, work.community.id, page, async () => (await work.counts()).total);
  }
}
