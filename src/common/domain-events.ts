import type { EntityManager } from 'typeorm';
import type { Msg } from '../i18n/messages';

/** Who is told in their inbox: any mix of these, each person once. */
export interface Recipients {
  userIds?: string[];
  /** Every member of this partner. */
  membersOf?: string;
  /** Every secretary of this community. */
  secretariesOf?: string;
  /** Every current resident of this community (issue #15: an agenda item opened, decided). */
  residentsOf?: string;
}

/** What an event is about; readers re-load the rows, so events stay small. */
export interface EventRefs {
  partnershipId?: string;
  matchId?: string;
  contractId?: string;
  bookingId?: string;
  serviceLogId?: string;
  /** A resident's request (issue #14). */
  requestId?: string;
  /** A community project (issue #15). */
  projectId?: string;
  /** A rating round (issue #15). */
  ratingRoundId?: string;
  /** An agenda item (issue #15). */
  agendaItemId?: string;
}

/**
 * The queues a change can enter or leave (a secretary watches them): the first three each have a
 * live topic of their own; every one of them also moves the community's pending work.
 */
export type Queue = 'reviewQueue' | 'partnershipRequests' | 'residentRequests' | 'contractReview' | 'logVerification' | 'requestInspection';

/**
 * Something that happened in a domain, told in the domain's words: what changed, for which partner's
 * activity, which queue of its community it entered or left, and who should find it in their inbox
 * with which text. The domain does not know who listens (today src/live/ turns these into inbox
 * rows and live topics: docs/live.md).
 */
export interface DomainEvent {
  /** `<OBJECT>_<NEW STATUS>`, e.g. MATCH_APPROVED. */
  kind: string;
  communityId: string;
  by: string | null;
  refs: EventRefs;
  /** The partner in whose activity this shows (null/absent: none). */
  activityOf?: string | null;
  /** The community queues it entered or left. */
  queues?: Queue[];
  /** The resident whose own request this is: they follow it live (myRequestChanged). */
  requester?: string | null;
  /** Inbox rows for these people (never `by`) with `message`; leave both out when nobody should get one. */
  notify?: Recipients;
  /** A catalogue message (rendered in each reader's language when read) or, for old callers, plain text. */
  message?: string | Msg;
}

/**
 * Receives each batch of events inside the transaction that emitted them: what it writes commits or
 * rolls back with the change; what must wait for the commit (pubsub) it defers with `afterCommit`.
 */
export type Subscriber = (tx: EntityManager, events: DomainEvent[]) => Promise<void>;

const subscribers: { name: string; subscriber: Subscriber }[] = [];

/** Registers a subscriber at start-up (src/app.ts imports the modules that do). Returns a function removing it. */
export function subscribe(name: string, subscriber: Subscriber): () => void {
  const entry = { name, subscriber };
  subscribers.push(entry);
  return () => {
    const i = subscribers.indexOf(entry);
    if (i >= 0) subscribers.splice(i, 1);
  };
}

/** The names of the subscribers, in the order they run (docs, tests). */
export const subscriberNames = () => subscribers.map((s) => s.name);

/**
 * Tells a batch of events, inside `tx`: every subscriber gets the whole batch at once, so that one
 * bulk change makes one write per subscriber (e.g. ONE INSERT of inbox rows). Empty batches are skipped.
 */
export async function emit(tx: EntityManager, events: DomainEvent[]): Promise<void> {
  if (!events.length) return;
  for (const { subscriber } of subscribers) await subscriber(tx, events);
}
