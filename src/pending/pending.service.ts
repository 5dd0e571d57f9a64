import type { Ctx } from '../context';
import { byId } from '../common/loaders';
import { decodeCursor, encodeCursor, pageSize, type PageArgs, type SortKey } from '../common/pagination';
import { queryPrepared } from '../db/prepared';
import { URGENCY_RANK } from '../demand/demand-item.entity';
import { Match, MatchStatus } from '../demand/match.entity';
import { Partnership, PartnershipStatus } from '../partners/partner.entity';
import { RequestStatus, ResidentRequest } from '../residents/resident-request.entity';
import { TRIAGE_HEAD_START_DAYS } from '../residents/requests.service';
import { ServiceLog, ServiceLogStatus } from '../service-hours/service-log.entity';
import { SpaceContract, ContractStatus } from '../spaces/space-contract.entity';

/*
 * What waits for a secretary's decision in one community, every kind together (issue #16 item 4).
 * Five domains are read here, none of which knows this reader (a top reader like public/).
 *
 * Urgency. Every pending item is listed by "the instant it counts from": the instant it was raised,
 * moved earlier by its kind's head start, and never later than DEADLINE_LEAD before the day it
 * must be decided by, when it has one. Oldest such instant first, then the oldest raised. So urgent
 * things and things due soon come first, and anything left waiting long enough reaches the top.
 * The instant does not change with time, so keyset pages stay stable while the secretary works.
 *
 *   claims (matches PENDING_REVIEW)   head start: the demand's urgency (URGENT 3 days, HIGH 2, NORMAL 1,
 *                                     LOW 0); due: the demand's neededBy
 *   contracts (PENDING_REVIEW)        head start 1 day; due: the day the term starts
 *   partnerships (PENDING)            head start 1 day (the partner can do nothing there before)
 *   service logs (PENDING)            no head start (the hours are served; only the record waits)
 *   residents' requests (SUBMITTED)   the triage head start (TRIAGE_HEAD_START_DAYS: repair 3,
 *                                     complaint 2, wish 1, suggestion 0)
 *   residents' requests               (验收) raised when the work was reported done (the row's last
 *   (AWAITING_INSPECTION)             change: nothing else changes it while it waits); head start:
 *                                     its demand item's urgency, as a claim's; no due day (the work
 *                                     is done, only the inspection waits)
 */

/** How long before a due day an item counts as waiting since (a week: the secretary's planning horizon). */
export const DEADLINE_LEAD_DAYS = 7;
/** Head starts of the kinds without one of their own, in days. */
export const HEAD_START_DAYS = { contracts: 1, partnerships: 1, serviceLogs: 0 } as const;

const days = (sql: string | number) => `(${sql}) * interval '24 hours'`;
/** The start of a local date of the community (`c`), DEADLINE_LEAD before. */
const dueBy = (date: string) => `((${date})::timestamp AT TIME ZONE c.timezone) - ${days(DEADLINE_LEAD_DAYS)}`;
const requestHeadStart = `(CASE t.kind ${Object.entries(TRIAGE_HEAD_START_DAYS).map(([kind, d]) => `WHEN '${kind}' THEN ${d}`).join(' ')} ELSE 0 END)`;
const urgencyHeadStart = `(CASE d.urgency ${Object.entries(URGENCY_RANK).map(([urgency, d]) => `WHEN '${urgency}' THEN ${d}`).join(' ')} ELSE 0 END)`;
const { SUBMITTED, AWAITING_INSPECTION } = RequestStatus;
const awaitingInspection = `t.status = '${AWAITING_INSPECTION}'`;

export type PendingKindName = 'claims' | 'contracts' | 'partnerships' | 'serviceLogs' | 'requests';
export type PendingNode = Match | SpaceContract | Partnership | ServiceLog | ResidentRequest;

interface PendingKind {
  name: PendingKindName;
  entity: new () => PendingNode;
  table: string;
  /** The statuses in which it waits for the secretary. */
  statuses: string[];
  /** Joins the instant needs (the kind's table is `t`, the community `c`). */
  joins: string;
  /** When it was raised (default: created). */
  raised?: string;
  countsFrom: string;
}

/** The kinds, in the order of PendingWork's counts. Statuses are the domains' own enums. */
const KINDS: PendingKind[] = [
  {
    name: 'claims',
    entity: Match,
    table: 'demand_match',
    statuses: [MatchStatus.PENDING_REVIEW],
    joins: 'JOIN demand_item d ON d.community_id = t.community_id AND d.id = t.demand_id JOIN community c ON c.id = t.community_id',
    // urgency_rank is the demand's urgency when claimed (URGENCY_RANK: URGENT 3 ... LOW 0).
    countsFrom: `LEAST(t.created_at - ${days('t.urgency_rank')}, ${dueBy('d.needed_by')})`,
  },
  {
    name: 'contracts',
    entity: SpaceContract,
    table: 'space_contract',
    statuses: [ContractStatus.PENDING_REVIEW],
    joins: 'JOIN community c ON c.id = t.community_id',
    countsFrom: `LEAST(t.created_at - ${days(HEAD_START_DAYS.contracts)}, ${dueBy('t.starts_on')})`,
  },
  {
    name: 'partnerships',
    entity: Partnership,
    table: 'partnership',
    statuses: [PartnershipStatus.PENDING],
    joins: '',
    countsFrom: `t.created_at - ${days(HEAD_START_DAYS.partnerships)}`,
  },
  {
    name: 'serviceLogs',
    entity: ServiceLog,
    table: 'service_log',
    statuses: [ServiceLogStatus.PENDING],
    joins: '',
    countsFrom: `t.created_at - ${days(HEAD_START_DAYS.serviceLogs)}`,
  },
  {
    name: 'requests',
    entity: ResidentRequest,
    table: 'resident_request',
    statuses: [SUBMITTED, AWAITING_INSPECTION],
    joins: 'LEFT JOIN demand_item d ON d.community_id = t.community_id AND d.id = t.demand_id',
    raised: `CASE WHEN ${awaitingInspection} THEN t.updated_at ELSE t.created_at END`,
    countsFrom: `CASE WHEN ${awaitingInspection} THEN t.updated_at - ${days(urgencyHeadStart)} ELSE t.created_at - ${days(requestHeadStart)} END`,
  },
];

export type PendingCounts = Record<PendingKindName, number> & { total: number };

const waiting = (k: PendingKind) => `t.status IN (${k.statuses.map((status) => `'${status}'`).join(', ')})`;

const COUNTS_SQL = `SELECT ${KINDS.map((k) => `(SELECT count(*)::int FROM ${k.table} t WHERE t.community_id = $1 AND ${waiting(k)}) AS "${k.name}"`).join(',\n       ')}`;

/** How many items of each kind wait in the community: ONE statement. */
export async function pendingCounts(ctx: Ctx, communityId: string): Promise<PendingCounts> {
  const [row] = await queryPrepared(ctx.db, COUNTS_SQL, [communityId]);
  const counts = Object.fromEntries(KINDS.map((k) => [k.name, Number(row[k.name])])) as Record<PendingKindName, number>;
  return { ...counts, total: KINDS.reduce((sum, k) => sum + counts[k.name], 0) };
}

interface PendingRow {
  kind: PendingKindName;
  id: string;
  countsFrom: Date;
  createdAt: Date;
}

/** Most urgent (the earliest instant it counts from) first, then the oldest raised; the id breaks ties. */
const PENDING_ORDER: SortKey<PendingRow>[] = [
  { sql: 'p.counts_from', dir: 'ASC', kind: 'instant', value: (r) => r.countsFrom.toISOString() },
  { sql: 'p.created_at', dir: 'ASC', kind: 'instant', value: (r) => r.createdAt.toISOString() },
  { sql: 'p.id', dir: 'ASC', kind: 'uuid', value: (r) => r.id },
];

const PENDING_UNION = KINDS.map(
  (k) => `SELECT '${k.name}' AS kind, t.id, ${k.raised ?? 't.created_at'} AS created_at, ${k.countsFrom} AS counts_from
            FROM ${k.table} t ${k.joins}
           WHERE t.community_id = $1 AND ${waiting(k)}`,
).join('\n          UNION ALL\n          ');

const pageSql = (afterCursor: boolean, limit: string) =>
  `SELECT p.kind, p.id, p.counts_from, p.created_at
     FROM (${PENDING_UNION}) p
    ${afterCursor ? `WHERE (p.counts_from, p.created_at, p.id) > ($2::timestamptz, $3::timestamptz, $4::uuid)` : ''}
    ORDER BY p.counts_from, p.created_at, p.id
    LIMIT ${limit}`;
const FIRST_PAGE_SQL = pageSql(false, '$2');
const NEXT_PAGE_SQL = pageSql(true, '$5');

const ENTITY_OF = new Map(KINDS.map((k) => [k.name, k.entity]));
const asDate = (v: unknown) => (v instanceof Date ? v : new Date(v as string));

export interface PendingPage {
  edges: { cursor: string; node: PendingNode }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: Promise<number>;
}

/**
 * One page of every pending item of the community, in PENDING_ORDER: ONE statement for the page,
 * then the nodes through the request's loaders (one statement per kind on the page, whatever its size).
 */
export async function pendingPage(ctx: Ctx, communityId: string, page: PageArgs, total: () => Promise<number>): Promise<PendingPage> {
  const first = pageSize(page.first);
  const cursor = page.after ? decodeCursor(page.after, PENDING_ORDER) : null;
  const raw = first === 0 ? [] : await queryPrepared(ctx.db, cursor ? NEXT_PAGE_SQL : FIRST_PAGE_SQL, cursor ? [communityId, ...cursor, first + 1] : [communityId, first + 1]);
  const rows: PendingRow[] = raw.map((r) => ({ kind: r.kind as PendingKindName, id: r.id as string, countsFrom: asDate(r.counts_from), createdAt: asDate(r.created_at) }));
  const onPage = rows.slice(0, first);
  const nodes = await Promise.all(onPage.map((r) => byId<PendingNode>(ctx, ENTITY_OF.get(r.kind)!).load(r.id)));
  const edges = onPage.flatMap((r, i) => (nodes[i] ? [{ cursor: encodeCursor(PENDING_ORDER.map((k) => k.value(r))), node: nodes[i]! }] : []));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.length ? edges[edges.length - 1].cursor : (page.after ?? null) },
    get totalCount() {
      return total();
    },
  };
}
