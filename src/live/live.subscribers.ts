import { subscribe, type DomainEvent } from '../common/domain-events';
import { topics } from './events';
import { announceMany, type Announcement } from './notifications.service';

/** The live topics an event goes to: its partner's activity, then the community queues it entered or left. */
export function topicsOf(event: DomainEvent): string[] {
  return [
    ...(event.activityOf ? [topics.partnerActivity(event.activityOf)] : []),
    ...(event.queues ?? []).map((q) => topics[q](event.communityId)),
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

/**
 * live/ hears every domain event: inbox rows in the emitting transaction (ONE statement per batch),
 * live topics after it commits (docs/live.md). Imported once by src/app.ts.
 */
subscribe('live: inbox and topics', (tx, events) => announceMany(tx, events.map(toAnnouncement)));
