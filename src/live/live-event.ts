/* The shape of a live event, apart from how it travels (events.ts) and how it is handed out (hub.ts). */

import type { EventRefs } from '../common/domain-events';

/** What an event points at (a domain event's refs, and the inbox row it wrote); receivers re-load the rows, so events stay small. */
export interface Refs extends EventRefs {
  notificationId?: string;
  /** The user whose sessions ended (topics.sessionsEnded). */
  userId?: string;
}

/** One change, as it travels between processes. */
export interface LiveEvent {
  topic: string;
  /** `<OBJECT>_<NEW STATUS>`, e.g. PARTNERSHIP_ACTIVE, MATCH_APPROVED, BOOKING_CANCELLED. */
  kind: string;
  /** ISO time of the change. */
  at: string;
  communityId?: string | null;
  refs: Refs;
}
