import { readerId } from '../auth/policy';
import { isUuid } from '../common/ids';
import { INVOLVED, readable, rolesOn, rolesOnNow, SIGNED_IN, type Readable, type Role, type TypeVisibility } from '../auth/visibility';
import type { Ctx } from '../context';
import type { DemandItem } from './demand-item.entity';
import { type Evaluation, type Match, MatchStatus } from './match.entity';
import type { SupplyOffer } from './supply-offer.entity';

/*
 * Who may read what of demand items, offers, matches and evaluations (docs/visibility.md). The
 * public sees organisations and outcomes: approved and fulfilled matches as partner, quantity and
 * status, an evaluation's rating; never a note, a reviewer, a rejection or a claim not approved.
 */

const HISTORY_DETAILS = 'history { note by }';

/** Matches anyone may see (as organisations and outcomes). */
export const PUBLIC_MATCH_STATUSES: readonly MatchStatus[] = [MatchStatus.APPROVED, MatchStatus.FULFILLED];

/** A match's own people: its partner's members or its individual volunteer, the community's secretaries, admins. */
const MATCH_INVOLVED: readonly Role[] = [...INVOLVED, 'self'];

export const MATCH_VISIBILITY: TypeVisibility<'note' | 'reviewNote' | 'reviewedBy' | 'offer' | 'evaluation' | 'history' | 'volunteer' | typeof HISTORY_DETAILS> = {
  type: 'Match',
  scope: "the match's partner; the match's community; self: the match's individual volunteer",
  rows: {
    roles: MATCH_INVOLVED,
    publicWhen: 'APPROVED or FULFILLED',
    hidden: 'left out of every list (`matches`, `DemandItem.matches`, the public board); `match(id)` answers null',
  },
  fields: {
    note: { roles: MATCH_INVOLVED, hidden: 'null', note: "the claimant's or dispatcher's note" },
    reviewNote: { roles: MATCH_INVOLVED, hidden: 'null' },
    reviewedBy: { roles: MATCH_INVOLVED, hidden: 'null' },
    volunteer: { roles: ['self', 'secretary', 'admin'], hidden: 'null', note: 'a person, never public: the public reads organisations and outcomes' },
    offer: { roles: SIGNED_IN, hidden: 'null' },
    evaluation: { roles: MATCH_INVOLVED, hidden: 'null', note: 'who evaluated and the comment; the rating alone is public as `Match.rating`' },
    history: { roles: SIGNED_IN, hidden: 'empty list' },
    [HISTORY_DETAILS]: { roles: MATCH_INVOLVED, hidden: 'null', note: 'each entry keeps its statuses and time' },
  },
};

export const EVALUATION_VISIBILITY: TypeVisibility<'comment'> = {
  type: 'Evaluation',
  scope: "the evaluated match's partner; its community",
  fields: {
    comment: { roles: INVOLVED, hidden: 'null', note: 'the rating (the outcome) is public' },
  },
};

export const DEMAND_ITEM_VISIBILITY: TypeVisibility<'history' | typeof HISTORY_DETAILS | 'suggestions' | 'requests'> = {
  type: 'DemandItem',
  scope: "- (no partner); the item's community",
  fields: {
    history: { roles: SIGNED_IN, hidden: 'empty list' },
    [HISTORY_DETAILS]: { roles: ['secretary', 'admin'], hidden: 'null', note: 'who claimed, cancelled, and why' },
    suggestions: { roles: SIGNED_IN, hidden: 'empty list' },
    // Resolved by residents/ (residents.resolver.ts), which sits above demand; the rule is the item's.
    requests: { roles: ['secretary', 'admin'], hidden: 'empty list', note: "the residents' requests that led to it; everyone reads `requestCount`" },
  },
};

export const SUPPLY_OFFER_VISIBILITY: TypeVisibility<'history' | typeof HISTORY_DETAILS> = {
  type: 'SupplyOffer',
  scope: "the offer's partner; - (offers span communities)",
  fields: {
    history: { roles: SIGNED_IN, hidden: 'empty list' },
    [HISTORY_DETAILS]: { roles: ['member', 'admin'], hidden: 'null' },
  },
};

export const DEMAND_VISIBILITY = [MATCH_VISIBILITY, EVALUATION_VISIBILITY, DEMAND_ITEM_VISIBILITY, SUPPLY_OFFER_VISIBILITY];

export async function matchVisibility(ctx: Ctx, match: Match): Promise<Readable<keyof typeof MATCH_VISIBILITY.fields>> {
  const roles = await rolesOn(ctx, { communityId: match.communityId, partnerId: match.partnerId, userId: match.volunteerId });
  return readable(MATCH_VISIBILITY, roles, { rows: PUBLIC_MATCH_STATUSES.includes(match.status) });
}

/** matchVisibility without waiting, once the request knows the viewer's roles; null while it does not. */
export function matchVisibilityNow(ctx: Ctx, match: Match): Readable<keyof typeof MATCH_VISIBILITY.fields> | null {
  const roles = rolesOnNow(ctx, { communityId: match.communityId, partnerId: match.partnerId, userId: match.volunteerId });
  return roles && readable(MATCH_VISIBILITY, roles, { rows: PUBLIC_MATCH_STATUSES.includes(match.status) });
}

/** The matches of a list the viewer may see, in their order. */
export async function visibleMatches(ctx: Ctx, matches: Match[]): Promise<Match[]> {
  const seen = await Promise.all(matches.map((m) => matchVisibility(ctx, m)));
  return matches.filter((_, i) => seen[i].row);
}

/** visibleMatches without waiting, once the request knows the viewer's roles; null while it does not. */
export function visibleMatchesNow(ctx: Ctx, matches: Match[]): Match[] | null {
  if (matches.length && !rolesOnNow(ctx, {})) return null;
  return matches.filter((m) => matchVisibilityNow(ctx, m)!.row);
}

/** An evaluation is read through its match: the match's partner and community. */
export async function evaluationVisibility(ctx: Ctx, evaluation: Evaluation): Promise<Readable<keyof typeof EVALUATION_VISIBILITY.fields>> {
  return readable(EVALUATION_VISIBILITY, await rolesOn(ctx, { communityId: evaluation.communityId, partnerId: evaluation.partnerId }));
}

export async function demandItemVisibility(ctx: Ctx, item: DemandItem): Promise<Readable<keyof typeof DEMAND_ITEM_VISIBILITY.fields>> {
  return readable(DEMAND_ITEM_VISIBILITY, await rolesOn(ctx, { communityId: item.communityId }));
}

export async function supplyOfferVisibility(ctx: Ctx, offer: SupplyOffer): Promise<Readable<keyof typeof SUPPLY_OFFER_VISIBILITY.fields>> {
  return readable(SUPPLY_OFFER_VISIBILITY, await rolesOn(ctx, { partnerId: offer.partnerId }));
}

/**
 * The SQL condition a list of matches (alias `m`) adds for the viewer, the row rule above in SQL:
 * the public ones, and for a signed-in viewer those of their partners, of the communities they are
 * secretary of, and all for an admin. Asked of the database in the list's own statement (no lookup first).
 */
export function visibleMatchesWhere(ctx: Ctx): { sql: string; params: Record<string, unknown> } {
  const reader = readerId(ctx);
  const viewerId = reader && isUuid(reader) ? reader : null;
  const publicRows = 'm.status IN (:...publicMatchStatuses)';
  if (!viewerId) return { sql: `(${publicRows})`, params: { publicMatchStatuses: PUBLIC_MATCH_STATUSES } };
  return {
    sql: `(${publicRows}
      OR m.volunteer_id = :viewerId
      OR EXISTS (SELECT 1 FROM partner_member vpm WHERE vpm.user_id = :viewerId AND vpm.partner_id = m.partner_id)
      OR EXISTS (SELECT 1 FROM community_secretary vcs WHERE vcs.user_id = :viewerId AND vcs.community_id = m.community_id)
      OR EXISTS (SELECT 1 FROM app_user vu WHERE vu.id = :viewerId AND vu.is_admin))`,
    params: { publicMatchStatuses: PUBLIC_MATCH_STATUSES, viewerId },
  };
}
