import type { EntityManager } from 'typeorm';
import { emit, type DomainEvent, type Recipients } from '../common/domain-events';
import type { Msg } from '../i18n/messages';
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
  message?: (names: MatchNames) => Msg;
}

const PENDING = MatchStatus.PENDING_REVIEW;

/**
 * Tells a batch of match changes as domain events, inside their transaction: each shows in its
 * partner's activity (and in its community's review queue when it entered or left PENDING_REVIEW);
 * one batch of events (ONE statement of inbox rows), names read in one more, only when a message needs them.
 */
export async function announceMatches(tx: EntityManager, changes: MatchChange[]): Promise<void> {
  if (!changes.length) return;
  const named = changes.filter((c) => c.notify && c.message);
  const names = named.length ? await matchNames(tx, named.map((c) => c.match)) : new Map<string, MatchNames>();
  await emit(
    tx,
    changes.map(({ match, from, by, kind, notify, message }): DomainEvent => {
      const queue = from === PENDING || (from !== match.status && match.status === PENDING);
      const n = names.get(match.id);
      return {
        kind: kind ?? `MATCH_${match.status}`,
        communityId: match.communityId,
        by,
        refs: { matchId: match.id },
        activityOf: match.partnerId,
        queues: queue ? ['reviewQueue'] : [],
        ...(notify && message && n ? { notify, message: message(n) } : {}),
      };
    }),
  );
}

/** Who did the work of a match and hears of it: the partner's members, or the individual volunteer. */
export const doers = (match: Pick<Match, 'partnerId' | 'volunteerId'>): Recipients =>
  match.partnerId ? { membersOf: match.partnerId } : { userIds: match.volunteerId ? [match.volunteerId] : [] };

export const announceMatch = (tx: EntityManager, change: MatchChange) => announceMatches(tx, [change]);

/** By id and community (which the matches carry): under Citus one shard per community, the item joined on it. */
async function matchNames(tx: EntityManager, matches: { id: string; communityId: string }[]): Promise<Map<string, MatchNames>> {
  const rows: (MatchNames & { id: string })[] = await tx.query(
    // An individual volunteer's match names the volunteer where a partner's names the partner
    // (the texts go to the volunteer and the community's secretaries, who may know them).
    `SELECT m.id, d.title, d.unit, c.name AS community, coalesce(p.name, u.display_name) AS partner
       FROM demand_match m
       JOIN demand_item d ON d.community_id = m.community_id AND d.id = m.demand_id
       JOIN community c ON c.id = m.community_id
       LEFT JOIN partner p ON p.id = m.partner_id
       LEFT JOIN app_user u ON u.id = m.volunteer_id
      WHERE m.community_id = ANY($2::uuid[]) AND m.id = ANY($1::uuid[])`,
    [[...new Set(matches.map((m) => m.id))], [...new Set(matches.map((m) => m.communityId))]],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

export { noteValues } from '../i18n/note-values';

/** What every match message mentions: the demand's title and unit, the community, the partner, the quantity. */
export const matchValues = (n: MatchNames, match: Match) => ({ title: n.title, unit: n.unit, community: n.community, partner: n.partner, quantity: String(match.quantity) });
