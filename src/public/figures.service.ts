import type { Ctx } from '../context';
import { heavyRead } from '../common/heavy-read';
import { queryPrepared } from '../db/prepared';

/** A community's figures on the public board (issue #14). */
export interface CommunityFiguresRow {
  requestsReceived: number;
  requestsResolved: number;
  medianDaysToResolve: number | null;
  residentSatisfaction: number | null;
  fulfilledMatches: number;
  verifiedServiceHours: number;
  publicBenefitSessionsHeld: number;
  activePartners: number;
}

/**
 * Every figure in ONE statement, each a count over its own table (public/ reads across the domains;
 * no rows are loaded), each naming the community by the parameter (not by c.id, which would leave
 * them to every shard under Citus). Days to resolve are calendar days in the community's time zone: a request
 * raised at 23:00 and resolved at 01:00 the next morning took one day, as a resident would say.
 * "Held" public-benefit sessions are the confirmed PUBLIC_BENEFIT contract sessions that have ended
 * by now: a partner's own use of its contract's slots is not one. Verified hours come from the
 * monthly rollup kept with every write to the logs (a row per local month and status, not per log).
 */
export async function communityFigures(ctx: Ctx, communityId: string, now: Date): Promise<CommunityFiguresRow> {
  type Row = { requests_received: number; requests_resolved: number; median_days: string | number | null; satisfaction: number | null; fulfilled_matches: number; verified_hours: number; sessions_held: number; active_partners: number };
  const [row] = (await heavyRead(ctx, (c) => queryPrepared(c.db, 
    `SELECT
       (SELECT count(*)::int FROM resident_request r WHERE r.community_id = $1) AS requests_received,
       (SELECT count(*)::int FROM resident_request r WHERE r.community_id = $1 AND r.status = 'RESOLVED') AS requests_resolved,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY
                 (r.resolved_at AT TIME ZONE c.timezone)::date - (r.created_at AT TIME ZONE c.timezone)::date)
          FROM resident_request r
         WHERE r.community_id = $1 AND r.status = 'RESOLVED' AND r.resolved_at IS NOT NULL) AS median_days,
       (SELECT avg(r.rating_score)::float8 FROM resident_request r
         WHERE r.community_id = $1 AND r.rating_score IS NOT NULL) AS satisfaction,
       (SELECT count(*)::int FROM demand_match m WHERE m.community_id = $1 AND m.status = 'FULFILLED') AS fulfilled_matches,
       (SELECT coalesce(sum(h.minutes), 0)::float8 / 60 FROM service_hours_monthly h
         WHERE h.community_id = $1 AND h.status = 'VERIFIED') AS verified_hours,
       (SELECT count(*)::int FROM booking b
         WHERE b.community_id = $1 AND b.status = 'CONFIRMED' AND b.kind = 'PUBLIC_BENEFIT' AND b.end_at <= $2) AS sessions_held,
       (SELECT count(*)::int FROM partnership p WHERE p.community_id = $1 AND p.status = 'ACTIVE') AS active_partners
     FROM community c WHERE c.id = $1`,
    [communityId, now],
  ))) as Row[];
  return {
    requestsReceived: row.requests_received,
    requestsResolved: row.requests_resolved,
    medianDaysToResolve: row.median_days === null ? null : Number(row.median_days),
    residentSatisfaction: row.satisfaction === null ? null : Number(row.satisfaction),
    fulfilledMatches: row.fulfilled_matches,
    verifiedServiceHours: Number(row.verified_hours),
    publicBenefitSessionsHeld: row.sessions_held,
    activePartners: row.active_partners,
  };
}
