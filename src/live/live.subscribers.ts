import type { EntityManager } from 'typeorm';
import { subscribe, type DomainEvent, type Queue } from '../common/domain-events';
import { publish, topics } from './events';
import { announceMany, type Announcement } from './notifications.service';

/** The queues with a live topic of their own (the others are followed through pendingWorkChanged only). */
const QUEUE_TOPICS: Partial<Record<Queue, (communityId: string) => string>> = {
  reviewQueue: topics.reviewQueue,
  partnershipRequests: topics.partnershipRequests,
  residentRequests: topics.residentRequests,
};

/** The live topics an event goes to: its partner's activity, then the community queues it entered or left. */
export function topicsOf(event: DomainEvent): string[] {
  return [
    ...(event.activityOf ? [topics.partnerActivity(event.activityOf)] : []),
    ...(event.queues ?? []).flatMap((q) => QUEUE_TOPICS[q]?.(event.communityId) ?? []),
    ...(event.requester ? [topics.myRequests(event.requester)] : []),
  ];
}

const toAnnouncement = (event: DomainEvent): Announcement => ({
  kind: event.kind,
  communityId: event.communityId,
  by: event.by,
  refs: event.refs,
  topics: topicsOf(event),
  ...(event.notify && event.message ? { notify: event.notify, message: event.message } : {}),
});

/** Communities whose pending work a transaction already told (once per transaction, however many changes). */
const toldPendingWork = new WeakMap<EntityManager, Set<string>>();

/** Tells each community whose queues the events moved that its pending work changed: one event per transaction. */
function tellPendingWork(tx: EntityManager, events: DomainEvent[]): void {
  let told = toldPendingWork.get(tx);
  if (!told) toldPendingWork.set(tx, (told = new Set()));
  for (const event of events) {
    if (!event.queues?.length || told.has(event.communityId)) continue;
    told.add(event.communityId);
    publish(tx, topics.pendingWork(event.communityId), { kind: 'PENDING_WORK_CHANGED', communityId: event.communityId, refs: {} });
  }
}

/**
 * live/ hears every domain event: inbox rows in the emitting transaction (ONE statement per batch),
 * live topics after it commits (docs/live.md). Imported once by src/app.ts.
 */
subscribe('live: inbox and topics', async (tx, events) => {
  tellPendingWork(tx, events);
  await announceMany(tx, events.map(toAnnouncement));
});
