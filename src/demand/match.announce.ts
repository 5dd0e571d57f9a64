import type { EntityManager } from 'typeorm';
import { topics } from '../live/events';
import type { Msg } from '../i18n/messages';
import { announceMany, type Announcement, type Recipients } from '../live/notifications.service';
import { MatchStatus, type Match } from './match.entity';

/** What a match's messages mention, read in the transaction that changed it. */
export interface MatchNames {
  title: string;
  unit: string;
  community: string;
  partner: string;
}

/** One change of a match, as it is told (see docs/live.md for who hears what). */
export interface MatchChange {
  /** After the transition (its `status` is the new one). */
  match: Match;
  /** The status it left; null when the match was just created. */
  from: MatchStatus | null;
  by: string | null;
  /** Defaults to `MATCH_<NEW STATUS>`. */
  kind?: string;
  /** Inbox rows for these people (never `by`), with this text; leave out for live events only. */
  notify?: Recipients;
  message?: (names: MatchNames) => string | Msg;
}

const PENDING = MatchStatus.PENDING_REVIEW;

/**
 * Tells a batch of match changes, inside their transaction: each goes to its partner's activity
 * (and to its community's review queue when it entered or left PENDING_REVIEW); the inbox rows of
 * all of them are ONE statement, and names are read in one more, only when a message needs them.
 */
export async function announceMatches(tx: EntityManager, changes: MatchChange[]): Promise<void> {
  if (!changes.length) return;
  const named = changes.filter((c) => c.notify && c.message);
  const names = named.length ? await matchNames(tx, named.map((c) => c.match.id)) : new Map<string, MatchNames>();
  await announceMany(
    tx,
    changes.map(({ match, from, by, kind, notify, message }): Announcement => {
      const queue = from === PENDING || (from !== match.status && match.status === PENDING);
      const n = names.get(match.id);
      return {
        kind: kind ?? `MATCH_${match.status}`,
        communityId: match.communityId,
        by,
        refs: { matchId: match.id },
        topics: [topics.partnerActivity(match.partnerId), ...(queue ? [topics.reviewQueue(match.communityId)] : [])],
        ...(notify && message && n ? { notify, message: message(n) } : {}),
      };
    }),
  );
}

export const announceMatch = (tx: EntityManager, change: MatchChange) => announceMatches(tx, [change]);

async function matchNames(tx: EntityManager, ids: string[]): Promise<Map<string, MatchNames>> {
  const rows: (MatchNames & { id: string })[] = await tx.query(
    `SELECT m.id, d.title, d.unit, c.name AS community, p.name AS partner
       FROM demand_match m
       JOIN demand_item d ON d.id = m.demand_id
       JOIN community c ON c.id = m.community_id
       JOIN partner p ON p.id = m.partner_id
      WHERE m.id = ANY($1::uuid[])`,
    [[...new Set(ids)]],
  );
  return new Map(rows.map((r) => [r.id, r]));
}
