import { findOr404 } from '../common/find';
import { heavyRead } from '../common/heavy-read';
import { now as clockNow } from '../common/clock';
import { DateTime } from 'luxon';
import type { EntityManager } from 'typeorm';
import { byId, loader } from '../common/loaders';
import { paginate, type PageArgs, type SortKey } from '../common/pagination';
import { checkText } from '../common/validation';
import { findCommunity } from '../communities/communities.service';
import type { Ctx } from '../context';
import { isoInZone } from '../common/local-time';
import { isUuid } from '../common/ids';
import { queryPrepared } from '../db/prepared';
import { inTransaction } from '../db/transaction';
import {
  BadUserInputError,
  ConflictError,
  fieldError,
  ForbiddenError,
  InvalidStateError,
  NotFoundError,
  PgErrorCode,
  pgConstraint,
  pgErrorCode,
  type FieldError,
} from '../errors';
import { msg } from '../i18n/messages';
import { ReviewDecision } from '../common/review';
import { assertActivePartnership, findPartner } from '../partners/partners.service';
import { obligationMonths } from './obligations';
import type { SpaceContract } from '../spaces/space-contract.entity';
import { contractVisibility } from '../spaces/spaces.visibility';
import { canSeeServiceLog, requireServiceSummaryAccess, serviceLogListScope } from './service-hours.policy';
import { ServiceLog, ServiceLogStatus } from './service-log.entity';
import { serviceLogLifecycle } from './service-log.lifecycle';
import { cachedSummary, summaryVersionSql } from './summary-cache';
import { SummaryGroupBy, type ContractObligation, type LogServiceInput, type ServiceHoursBucket, type ServiceHoursSummaryInput, type ServiceLogFilter } from './service-hours.inputs';

// Other domains (links/) reach certificates through this entry point.
export { certificateHtml, serviceCertificate, type CertificateScope, type DatePeriod } from './service-hours.exports';

export const MIN_LOG_MS = 60_000;
export const MAX_LOG_MS = 12 * 3_600_000;
export const MAX_LOG_AGE_DAYS = 90;
export const MAX_SUMMARY_DAYS = 366;
export const MAX_BULK_VERIFY = 100;


function requireUuid(what: string, id: string, path: string): void {
  if (!isUuid(id)) throw new NotFoundError(what, id, path);
}

export const findServiceLog = (ctx: Ctx, id: string, path = 'id') => findOr404(ctx, ServiceLog, id, { thing: 'serviceLog', path });

/** One log, for those who may see it (FORBIDDEN for others who are signed in). */
export async function serviceLog(ctx: Ctx, id: string): Promise<ServiceLog | null> {
  if (!isUuid(id)) return null;
  const log = await byId(ctx, ServiceLog).load(id);
  if (!log) return null;
  if (!(await canSeeServiceLog(ctx, log))) throw new ForbiddenError(msg('serviceLog.cannotSee'));
  return log;
}

// ---------------------------------------------------------------- logging

/** The time rules of a log: 1 minute to 12 hours, not in the future, started within the last 90 days. */
export function timeErrors(startedAt: Date, endedAt: Date, now: Date, prefix = 'input'): FieldError[] {
  const errors: FieldError[] = [];
  const length = endedAt.getTime() - startedAt.getTime();
  if (startedAt > now) errors.push(fieldError(`${prefix}.startedAt`, msg('field.mustNotBeInFuture')));
  if (endedAt > now) errors.push(fieldError(`${prefix}.endedAt`, msg('field.mustNotBeInFuture')));
  if (length < MIN_LOG_MS) errors.push(fieldError(`${prefix}.endedAt`, msg('serviceLog.minLength')));
  else if (length > MAX_LOG_MS) errors.push(fieldError(`${prefix}.endedAt`, msg('serviceLog.maxLength')));
  if (startedAt.getTime() < now.getTime() - MAX_LOG_AGE_DAYS * 86_400_000) {
    errors.push(fieldError(`${prefix}.startedAt`, msg('serviceLog.maxAge', { days: MAX_LOG_AGE_DAYS })));
  }
  return errors;
}

/** Checks a match or contract the log is tied to: the partner's, in the community, live (share-locked). */
async function assertLink(tx: EntityManager, table: 'demand_match' | 'space_contract', id: string, partnerId: string, communityId: string, live: string[]) {
  const path = table === 'demand_match' ? 'input.matchId' : 'input.contractId';
  const what = table === 'demand_match' ? 'match' : 'contract';
  requireUuid(what, id, path);
  const [row]: { partner_id: string; community_id: string; status: string }[] = await tx.query(
    `SELECT partner_id, community_id, status FROM ${table} WHERE id = $1 FOR SHARE`,
    [id],
  );
  if (!row) throw new NotFoundError(what, id, path);
  if (row.partner_id !== partnerId || row.community_id !== communityId) {
    throw BadUserInputError.field(path, msg('serviceLog.notOfPartner', { what: { msg: 'thing', values: { what } } }));
  }
  if (!live.includes(row.status)) {
    const status = { msg: 'status' as const, values: { status: row.status } };
    throw new InvalidStateError(
      msg('serviceLog.targetNotLive', { what: { msg: 'thing', values: { what } }, live: { list: live.map((s) => ({ msg: 'status', values: { status: s } })), or: true }, status }),
      {
      fields: [fieldError(path, msg('field.isStatus', { status }))],
    });
  }
}

/**
 * Without a partner, a log names a match only of the one who took it on alone (issue #14): the
 * logger's own, in the community, approved or fulfilled (share-locked like `assertLink`).
 */
async function assertOwnMatch(tx: EntityManager, id: string, volunteerId: string, communityId: string) {
  const path = 'input.matchId';
  requireUuid('match', id, path);
  const [row]: { partner_id: string | null; volunteer_id: string | null; community_id: string; status: string }[] = await tx.query(
    `SELECT partner_id, volunteer_id, community_id, status FROM demand_match WHERE id = $1 FOR SHARE`,
    [id],
  );
  // Without a partner, an unknown id is input naming no match of one's own (as the field says).
  if (row?.partner_id) throw BadUserInputError.field(path, msg('serviceLog.matchNeedsPartner'));
  if (!row || row.volunteer_id !== volunteerId || row.community_id !== communityId) throw BadUserInputError.field(path, msg('serviceLog.notOwnMatch'));
  const live = ['APPROVED', 'FULFILLED'];
  if (!live.includes(row.status)) {
    const status = { msg: 'status' as const, values: { status: row.status } };
    throw new InvalidStateError(
      msg('serviceLog.targetNotLive', { what: { msg: 'thing', values: { what: 'match' } }, live: { list: live.map((s) => ({ msg: 'status', values: { status: s } })), or: true }, status }),
      { fields: [fieldError(path, msg('field.isStatus', { status }))] },
    );
  }
}

/**
 * A partner owner logs for a member (issue #16): the volunteer must be a member of the partner,
 * share-locked so a concurrent leave waits for the log. FORBIDDEN otherwise, like a member of
 * another partner (the owner's role was checked by the policy table).
 */
async function assertMember(tx: EntityManager, partnerId: string, volunteerId: string) {
  const [member] = await tx.query(`SELECT 1 FROM partner_member WHERE partner_id = $1 AND user_id = $2 FOR SHARE`, [partnerId, volunteerId]);
  if (!member) throw new ForbiddenError(msg('serviceLog.volunteerNotMember'));
}

/**
 * Records service the signed-in user (`by`) gave, or, with `input.volunteerId`, service a member
 * of the partner gave, logged by its owner. No two non-rejected logs of one volunteer overlap, in
 * any community, whoever logged them: the exclusion constraint decides between concurrent
 * requests, and the loser gets CONFLICT naming the log it overlaps.
 */
export async function logService(ctx: Ctx, by: string, input: LogServiceInput, now = clockNow()): Promise<ServiceLog> {
  const volunteerId = input.volunteerId ?? by;
  const errors = timeErrors(input.startedAt, input.endedAt, now);
  if (!input.partnerId && input.contractId) errors.push(fieldError('input.contractId', msg('serviceLog.contractNeedsPartner')));
  if (input.matchId && input.contractId) errors.push(fieldError('input.contractId', msg('serviceLog.matchOrContract')));
  if (errors.length) throw new BadUserInputError(errors);
  requireUuid('community', input.communityId, 'input.communityId');
  await findCommunity(ctx, input.communityId, 'input.communityId');
  const { partnerId, matchId, contractId, communityId } = input;
  try {
    return await inTransaction(ctx.db, async (tx) => {
      if (partnerId) {
        await assertActivePartnership(tx, partnerId, communityId);
        if (volunteerId !== by) await assertMember(tx, partnerId, volunteerId);
        if (matchId) await assertLink(tx, 'demand_match', matchId, partnerId, communityId, ['APPROVED', 'FULFILLED']);
        if (contractId) await assertLink(tx, 'space_contract', contractId, partnerId, communityId, ['ACTIVE', 'TERMINATED', 'EXPIRED']);
      } else if (matchId) {
        await assertOwnMatch(tx, matchId, volunteerId, communityId);
      }
      const log = await tx.save(
        tx.create(ServiceLog, {
          communityId,
          volunteerId,
          loggedById: volunteerId === by ? null : by,
          partnerId: partnerId ?? null,
          matchId: matchId ?? null,
          contractId: contractId ?? null,
          startedAt: input.startedAt,
          endedAt: input.endedAt,
          minutes: Math.floor((input.endedAt.getTime() - input.startedAt.getTime()) / 60_000),
          description: input.description.trim(),
          status: ServiceLogStatus.PENDING,
          verifiedById: null,
          verifiedAt: null,
          // Logged at the server's clock: the CHECKs bounding started/ended_at compare with it.
          createdAt: now,
        }),
      );
      await serviceLogLifecycle.created(tx, log, { by, communityId });
      return log;
    });
  } catch (error) {
    const code = pgErrorCode(error);
    if (code === PgErrorCode.exclusionViolation) throw await overlapConflict(ctx, volunteerId, input.startedAt, input.endedAt);
    if (code === PgErrorCode.checkViolation) {
      // Only reachable when the server's clock and the database's disagree.
      const constraint = pgConstraint(error) ?? '';
      const path = constraint.includes('recent') ? 'input.startedAt' : 'input.endedAt';
      throw BadUserInputError.field(path, msg(constraint.includes('recent') ? 'serviceLog.tooLongAgo' : 'serviceLog.outOfRange'));
    }
    throw error;
  }
}

async function overlapConflict(ctx: Ctx, volunteerId: string, startedAt: Date, endedAt: Date): Promise<ConflictError> {
  const [other]: { id: string; community_id: string; started_at: Date; ended_at: Date; status: string; timezone: string }[] = await ctx.db.query(
    `SELECT s.id, s.community_id, s.started_at, s.ended_at, s.status, c.timezone FROM service_log s JOIN community c ON c.id = s.community_id
      WHERE s.volunteer_id = $1 AND s.status <> 'REJECTED' AND tstzrange(s.started_at, s.ended_at) && tstzrange($2, $3)
      ORDER BY s.started_at LIMIT 1`,
    [volunteerId, startedAt, endedAt],
  );
  const fields = [fieldError('input.startedAt', msg('serviceLog.overlapsField'))];
  if (!other) return new ConflictError(msg('serviceLog.overlaps'), { fields });
  const overlapping = {
    id: other.id,
    communityId: other.community_id,
    startedAt: isoInZone(other.started_at, other.timezone),
    endedAt: isoInZone(other.ended_at, other.timezone),
    status: other.status,
  };
  // The times in the reader's language, in the log's community's zone.
  const when = (at: Date) => ({ at: at.toISOString(), timeZone: other.timezone });
  return new ConflictError(msg('serviceLog.overlapsOne', { id: other.id, from: when(other.started_at), to: when(other.ended_at) }), { overlapping, fields });
}

// ---------------------------------------------------------------- verification

/**
 * The logs a decision is about (its object lookup): the note and the number of ids checked, every
 * log found (NOT_FOUND names the first missing one). Who may decide them: service-hours.policy.ts.
 */
export async function logsToDecide(ctx: Ctx, ids: string[], note: string | null | undefined, path = 'ids'): Promise<ServiceLog[]> {
  checkText('note', note);
  if (ids.length === 0) throw BadUserInputError.field(path, msg('serviceLog.atLeastOne'));
  if (ids.length > MAX_BULK_VERIFY) throw BadUserInputError.field(path, msg('serviceLog.atMost', { max: MAX_BULK_VERIFY }));
  const single = path === 'id';
  return Promise.all([...new Set(ids)].map((id) => findServiceLog(ctx, id, single ? 'id' : `ids[${ids.indexOf(id)}]`)));
}

/**
 * Verifies or rejects logs (found by `logsToDecide`, allowed by `mayDecide`), all or none: each
 * must still be PENDING; otherwise nothing changes and the error names the logs at fault.
 */
export async function decideServiceLogs(ctx: Ctx, ids: string[], decision: ReviewDecision, note: string | null | undefined, by: string): Promise<ServiceLog[]> {
  const unique = [...new Set(ids)];
  const to = decision === ReviewDecision.APPROVE ? ServiceLogStatus.VERIFIED : ServiceLogStatus.REJECTED;
  const decided = await inTransaction(ctx.db, async (tx) => {
    // Locked in id order, so two overlapping bulk decisions queue up instead of deadlocking.
    const locked = await tx
      .getRepository(ServiceLog)
      .createQueryBuilder('s')
      .setLock('pessimistic_write')
      .where('s.id IN (:...ids)', { ids: unique })
      .orderBy('s.id')
      .getMany();
    const notPending = locked.filter((l) => l.status !== ServiceLogStatus.PENDING);
    if (notPending.length) {
      throw new InvalidStateError(
        msg('serviceLog.onlyPending', { logs: { list: notPending.map((l) => ({ msg: 'serviceLog.isStatus', values: { id: l.id, status: { msg: 'status', values: { status: l.status } } } })) } }),
        { serviceLogIds: notPending.map((l) => l.id), from: notPending[0].status, to },
      );
    }
    // All in one statement with their history rows; each volunteer hears of their own logs (service-hours.hooks.ts).
    const moved = await serviceLogLifecycle.applyWhere(
      tx,
      { sql: 'id IN (:...ids)', params: { ids: unique } },
      to,
      { by, note: note ?? null },
      { from: [ServiceLogStatus.PENDING], changes: { verifiedById: by, verifiedAt: clockNow() } },
    );
    return new Map(moved.map(({ row }) => [row.id, row]));
  });
  return ids.map((id) => decided.get(id)!);
}

// ---------------------------------------------------------------- lists and summaries

const newestFirst: SortKey<ServiceLog>[] = [
  { sql: 's.started_at', dir: 'DESC', kind: 'instant', value: (r) => r.startedAt.toISOString() },
  { sql: 's.id', dir: 'DESC', kind: 'uuid', value: (r) => r.id },
];

/** Newest first. Who may list what: see serviceLogListScope in service-hours.policy.ts. */
export async function listServiceLogs(ctx: Ctx, filter: ServiceLogFilter | null | undefined, page: PageArgs) {
  const f = filter ?? {};
  const { onlyVolunteerId } = await serviceLogListScope(ctx, f);
  return heavyRead(ctx, (c) => serviceLogsPage(c, f, onlyVolunteerId, page));
}

function serviceLogsPage(ctx: Ctx, f: ServiceLogFilter, onlyVolunteerId: string | null | undefined, page: PageArgs) {
  const qb = ctx.db.getRepository(ServiceLog).createQueryBuilder('s');
  const ids: [string, string | null | undefined][] = [
    ['community_id', f.communityId],
    ['partner_id', f.partnerId],
    ['volunteer_id', f.volunteerId],
    ['volunteer_id', onlyVolunteerId],
  ];
  ids.forEach(([column, value], i) => {
    if (value == null) return;
    if (isUuid(value)) qb.andWhere(`s.${column} = :id${i}`, { [`id${i}`]: value });
    else qb.andWhere('false');
  });
  if (f.status) qb.andWhere('s.status = :status', { status: f.status });
  if (f.from) qb.andWhere('s.started_at >= :from', { from: f.from });
  if (f.to) qb.andWhere('s.started_at < :to', { to: f.to });
  return paginate(qb, newestFirst, page);
}

function checkPeriod(from: Date, to: Date, maxDays: number, prefix: string): void {
  if (from >= to) throw BadUserInputError.field(`${prefix}.to`, msg('field.mustBeAfter', { other: 'from' }));
  if (to.getTime() - from.getTime() > maxDays * 86_400_000) throw BadUserInputError.field(`${prefix}.to`, msg('field.atMostDaysAfter', { days: maxDays, other: 'from' }));
}

export const NO_PARTNER_KEY = 'NONE';
export const NO_PARTNER_LABEL = '个人志愿服务（无合伙人）';

const BUCKETS = `ORDER BY verified_minutes DESC, pending_minutes DESC, label COLLATE "C", key`;

/**
 * Buckets from the rollups (migrations ServiceHoursRollup, ServiceHoursVolunteerRollup,
 * ServiceHoursMonthlyRollup). Per community, in its own time zone, [from, to) falls into up to
 * five parts: the partial local day at either end, read from the logs; the whole days before the
 * first whole local month and after the last, from a daily rollup; the whole months between, from
 * the monthly rollup of the same level. So answers equal the logs' to the minute whatever the
 * instants asked, and a year costs about twelve rows per key. Month buckets are calendar months in
 * each community's zone, as the local days are. The narrowest level that answers is read: by
 * volunteer the volunteer rollups; by or for a partner the partner rollups; else the community's
 * (a row per community, period and status).
 */
function summarySql(groupBy: SummaryGroupBy, communityParam: string | null, partnerParam: string | null): string {
  const byVolunteer = groupBy === SummaryGroupBy.VOLUNTEER;
  const byPartner = groupBy === SummaryGroupBy.PARTNER || partnerParam !== null;
  const level = byVolunteer ? 'service_hours_volunteer' : byPartner ? 'service_hours_partner' : 'service_hours';
  // Only columns the answer needs, so the read indexes cover them (index-only scans).
  const partnerColumn = byPartner ? 'r.partner_id' : 'NULL::uuid';
  const volunteerColumn = byVolunteer ? 'r.volunteer_id' : 'NULL::uuid';
  const onlyPartner = (alias: string) => (partnerParam ? `AND ${alias}.partner_id = ${partnerParam}` : '');
  const { key, join, select } = {
    [SummaryGroupBy.PARTNER]: {
      key: 'p.partner_id',
      join: 'LEFT JOIN partner pa ON pa.id = agg.key',
      select: `coalesce(agg.key::text, '${NO_PARTNER_KEY}') AS key, coalesce(pa.name, '${NO_PARTNER_LABEL}') AS label`,
    },
    [SummaryGroupBy.COMMUNITY]: { key: 'p.community_id', join: 'JOIN community c ON c.id = agg.key', select: 'agg.key::text AS key, c.name AS label' },
    [SummaryGroupBy.MONTH]: { key: `to_char(p.local_day, 'YYYY-MM')`, join: '', select: 'agg.key AS key, agg.key AS label' },
    [SummaryGroupBy.VOLUNTEER]: { key: 'p.volunteer_id', join: 'JOIN app_user u ON u.id = agg.key', select: 'agg.key::text AS key, u.display_name AS label' },
  }[groupBy];
  // Per community: the logs of [from, lo_at) and [hi_at, to); whole days [lo_day, m_lo) and
  // [m_hi, hi_day); whole months [m_lo, m_hi) (empty, m_lo = m_hi, when no month lies wholly inside).
  return `WITH days AS (
       SELECT c.id AS community_id, c.timezone, lo.day AS lo_day, hi.day AS hi_day,
              least(lo.day::timestamp AT TIME ZONE c.timezone, $2::timestamptz) AS lo_at,
              greatest(hi.day::timestamp AT TIME ZONE c.timezone, lo.day::timestamp AT TIME ZONE c.timezone) AS hi_at,
              least(CASE WHEN extract(day FROM lo.day) = 1 THEN lo.day ELSE (date_trunc('month', lo.day) + interval '1 month')::date END, hi.day) AS m_lo,
              date_trunc('month', hi.day)::date AS month_of_hi
         FROM community c
        CROSS JOIN LATERAL (SELECT ($1::timestamptz AT TIME ZONE c.timezone)::date AS day) f
        CROSS JOIN LATERAL (SELECT CASE WHEN f.day::timestamp AT TIME ZONE c.timezone < $1::timestamptz THEN f.day + 1 ELSE f.day END AS day) lo
        CROSS JOIN LATERAL (SELECT ($2::timestamptz AT TIME ZONE c.timezone)::date AS day) hi
        WHERE ${communityParam ? `c.id = ${communityParam}` : 'true'}),
     bounds AS (SELECT *, greatest(month_of_hi, m_lo) AS m_hi FROM days),
     parts AS (
       SELECT r.community_id, r.local_month AS local_day, ${partnerColumn} AS partner_id, ${volunteerColumn} AS volunteer_id, r.status, r.minutes, r.logs
         FROM ${level}_monthly r JOIN bounds b ON b.community_id = r.community_id
        WHERE r.local_month >= b.m_lo AND r.local_month < b.m_hi AND r.status <> 'REJECTED' ${onlyPartner('r')}
       UNION ALL
       SELECT b.community_id, r.local_day, r.partner_id, r.volunteer_id, r.status, r.minutes, r.logs
         FROM bounds b
        CROSS JOIN LATERAL (VALUES (b.lo_day, b.m_lo), (b.m_hi, b.hi_day)) d(lo, hi)
        -- Each range of days its own index range scan, as the logs' below (OFFSET 0: not flattened
        -- into one hash join over every day of the rollup).
        CROSS JOIN LATERAL (
          SELECT r.local_day, ${partnerColumn} AS partner_id, ${volunteerColumn} AS volunteer_id, r.status, r.minutes, r.logs
            FROM ${level}_daily r
           WHERE r.community_id = b.community_id AND r.local_day >= d.lo AND r.local_day < d.hi AND r.status <> 'REJECTED' ${onlyPartner('r')}
          OFFSET 0) r
       UNION ALL
       SELECT b.community_id, s.local_day, s.partner_id, s.volunteer_id, s.status, s.minutes, s.logs
         FROM bounds b
        CROSS JOIN LATERAL (VALUES ($1::timestamptz, b.lo_at), (b.hi_at, $2::timestamptz)) e(lo, hi)
        -- An aggregate, so each range stays its own index range scan (never a join over every log).
        CROSS JOIN LATERAL (
          SELECT (s.started_at AT TIME ZONE b.timezone)::date AS local_day, s.partner_id, ${byVolunteer ? 's.volunteer_id' : 'NULL::uuid'} AS volunteer_id, s.status, sum(s.minutes) AS minutes, count(*) AS logs
            FROM service_log s
           WHERE s.community_id = b.community_id AND s.started_at >= e.lo AND s.started_at < e.hi AND s.status <> 'REJECTED' ${onlyPartner('s')}
           GROUP BY 1, 2, 3, 4) s),
     agg AS (
       SELECT ${key} AS key,
              coalesce(sum(p.minutes) FILTER (WHERE p.status = 'VERIFIED'), 0) AS verified_minutes,
              coalesce(sum(p.minutes) FILTER (WHERE p.status = 'PENDING'), 0) AS pending_minutes,
              sum(p.logs)::int AS log_count
         FROM parts p GROUP BY 1 HAVING sum(p.logs) > 0)
     -- The version of what the answer was computed from (summary-cache.ts), in the same snapshot,
     -- on a row of its own (null buckets) when there are none.
     SELECT v.version, buckets.* FROM (SELECT ${summaryVersionSql(communityParam)} AS version) v
       LEFT JOIN (SELECT ${select}, agg.verified_minutes, agg.pending_minutes, agg.log_count FROM agg ${join}) buckets ON true
      ${groupBy === SummaryGroupBy.MONTH ? 'ORDER BY key' : BUCKETS}`;
}

/**
 * Verified and pending minutes (rejected logs left out) of logs that started in [from, to), grouped
 * by partner, volunteer, community or month. Months are calendar months in each log's own
 * community's time zone.
 */
export async function serviceHoursSummary(ctx: Ctx, input: ServiceHoursSummaryInput): Promise<readonly ServiceHoursBucket[]> {
  checkPeriod(input.from, input.to, MAX_SUMMARY_DAYS, 'input');
  await requireServiceSummaryAccess(ctx, input.communityId, input.partnerId);
  if ((input.communityId && !isUuid(input.communityId)) || (input.partnerId && !isUuid(input.partnerId))) return [];
  const params: unknown[] = [input.from, input.to];
  const communityParam = input.communityId ? `$${params.push(input.communityId)}` : null;
  const partnerParam = input.partnerId ? `$${params.push(input.partnerId)}` : null;
  const sql = summarySql(input.groupBy, communityParam, partnerParam);
  type Row = { version: string; key: string | null; label: string; verified_minutes: string; pending_minutes: string; log_count: number };
  // One statement (no transaction: one snapshot), since every round trip counts at these speeds,
  // prepared (planned once per connection: its plan costs more than its run over a year of months);
  // the rollups' plans cost far below jit_above_cost. Only by volunteer across communities do they
  // read about a row per log, where compiling the aggregate (JIT) would cost more than it saves.
  const large = input.groupBy === SummaryGroupBy.VOLUNTEER && !input.communityId;
  const question = [input.groupBy, input.from.toISOString(), input.to.toISOString(), input.communityId ?? '', input.partnerId ?? ''].join('|');
  const buckets = await heavyRead(ctx, (c) =>
    cachedSummary<ServiceHoursBucket>(c.db, ctx.config.summaryCacheBuckets, question, input.communityId ?? null, async () => {
      const rows: Row[] = large
        ? await inTransaction(c.db, async (tx) => {
            await tx.query(`SET LOCAL jit = off`);
            return tx.query(sql, params);
          })
        : await queryPrepared<Row>(c.db, sql, params);
      return {
        version: rows[0].version,
        buckets: rows
          .filter((r) => r.key !== null)
          .map((r) => ({ key: r.key!, label: r.label, verifiedMinutes: Number(r.verified_minutes), pendingMinutes: Number(r.pending_minutes), logCount: r.log_count })),
      };
    }),
  );
  // The kept list itself, shared by every caller while kept (nobody changes it): the same list
  // again is what lets its response be sent again as kept bytes (common/kept-answer.ts).
  return buckets;
}

// ---------------------------------------------------------------- contract obligations

/**
 * Promised, scheduled and delivered public-benefit sessions of a space contract, per month of its
 * term within from..to (local dates). Scheduled: its CONFIRMED PUBLIC_BENEFIT bookings starting that
 * month (in the community's zone; the partner's own-use slots are not sessions); delivered: those
 * of them overlapped by VERIFIED service logged against the contract. Public wherever the contract
 * is (an organisation's promise to the residents): empty for a contract the reader may not see.
 * Contracts asking for the same range are counted together: one statement however many.
 */
export async function contractObligations(ctx: Ctx, contract: SpaceContract, from?: string | null, to?: string | null): Promise<ContractObligation[]> {
  if (from && to && from > to) throw BadUserInputError.field('to', msg('field.mustNotBeBefore', { other: 'from' }));
  if (!(await contractVisibility(ctx, contract)).row) return [];
  const range = `${from ?? ''}|${to ?? ''}`;
  return loader<SpaceContract, ContractObligation[]>(ctx, `contractObligations|${range}`, async (contracts) => {
    const zones = await Promise.all(contracts.map((c) => findCommunity(ctx, c.communityId).then((cm) => cm.timezone)));
    const months = contracts.map((c) => obligationMonths(c.sessionsPerMonth, c.startsOn, c.endsOn, from, to));
    const asked = contracts.map((c, i) => ({ c, i })).filter(({ i }) => months[i].length);
    const counts: { k: number; month: string; scheduled: number; delivered: number }[] = asked.length
      ? await ctx.db.query(
          `SELECT q.k, to_char(b.start_at AT TIME ZONE q.zone, 'YYYY-MM') AS month,
                  count(*)::int AS scheduled,
                  count(*) FILTER (WHERE EXISTS (
                    SELECT 1 FROM service_log s
                     WHERE s.contract_id = b.contract_id AND s.status = 'VERIFIED'
                       AND tstzrange(s.started_at, s.ended_at) && tstzrange(b.start_at, b.end_at)))::int AS delivered
             FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[], $6::timestamptz[]) AS q(k, community_id, contract_id, zone, s, e)
             JOIN booking b ON b.community_id = q.community_id AND b.contract_id = q.contract_id
            WHERE b.status = 'CONFIRMED' AND b.kind = 'PUBLIC_BENEFIT' AND b.start_at >= q.s AND b.start_at < q.e
            GROUP BY 1, 2`,
          [
            asked.map(({ i }) => i),
            asked.map(({ c }) => c.communityId),
            asked.map(({ c }) => c.id),
            asked.map(({ i }) => zones[i]),
            asked.map(({ i }) => DateTime.fromISO(months[i][0].firstDay, { zone: zones[i] }).toJSDate()),
            asked.map(({ i }) => DateTime.fromISO(months[i].at(-1)!.lastDay, { zone: zones[i] }).plus({ days: 1 }).toJSDate()),
          ],
        )
      : [];
    const found = new Map(counts.map((c) => [`${c.k}|${c.month}`, c]));
    return contracts.map((_, i) =>
      months[i].map((m) => ({
        month: m.month,
        promisedSessions: m.promisedSessions,
        scheduledSessions: found.get(`${i}|${m.month}`)?.scheduled ?? 0,
        deliveredSessions: found.get(`${i}|${m.month}`)?.delivered ?? 0,
      })),
    );
  }).load(contract);
}
