import { requirePartnerMember, requireSecretary, signedIn } from '../auth/policy';
import type { Ctx } from '../context';
import type { EntityManager } from 'typeorm';
import { busOf, publish, topics, type LiveEvent } from './events';

/**
 * Tells every server process, once `tx` commits, that the sessions of `userId` ended for good (an
 * erased account): each forgets its cached token version (src/app.ts), so old tokens stop at once.
 */
export function tellSessionsEnded(tx: EntityManager, userId: string): void {
  publish(tx, topics.sessionsEnded(), { kind: 'SESSIONS_ENDED', refs: { userId } });
}

/**
 * Subscriptions: each authorizes the caller for its topic BEFORE it joins it, so a refused
 * subscriber never holds a place on the topic and never receives one of its events.
 */
function join(ctx: Ctx, topic: string): AsyncIterableIterator<LiveEvent> {
  const bus = busOf(ctx.db);
  if (!bus) throw new Error('live events are not running in this process');
  const events = bus.hub.subscribe(topic);
  ctx.log.debug({ topic, userId: ctx.viewer.userId }, 'live: subscribed');
  return events;
}

/** `partnerActivity(partnerId)`: members of the partner only. */
export async function subscribePartnerActivity(ctx: Ctx, partnerId: string) {
  await requirePartnerMember(ctx, partnerId);
  return join(ctx, topics.partnerActivity(partnerId));
}

/** A community's queues (`reviewQueueChanged`, `partnershipRequestsChanged`): its secretaries (and admins) only. */
export async function subscribeAsSecretary(ctx: Ctx, communityId: string, topic: string) {
  await requireSecretary(ctx, communityId);
  return join(ctx, topic);
}

/** `pendingWorkChanged(communityId)`: the community's secretaries (and admins) only. */
export async function subscribePendingWork(ctx: Ctx, communityId: string) {
  signedIn(ctx);
  return subscribeAsSecretary(ctx, communityId, topics.pendingWork(communityId));
}

/** `myRequestChanged`: the caller's own requests. */
export function subscribeMyRequests(ctx: Ctx) {
  return join(ctx, topics.myRequests(signedIn(ctx)));
}

/** `notificationReceived`: the caller's own inbox. */
export function subscribeInbox(ctx: Ctx) {
  return join(ctx, topics.inbox(signedIn(ctx)));
}

/**
 * A subscription's context lives as long as the subscription; its loaders must not answer an event
 * with rows cached for an earlier one. Call first in every subscription resolver (events of one
 * subscription are resolved one after another).
 */
export function freshLoaders(ctx: Ctx): void {
  ctx.loaders.clear();
}
