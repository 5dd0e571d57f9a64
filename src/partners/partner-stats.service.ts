import { now as clockNow } from '../common/clock';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import type { Ctx } from '../context';
import { loader } from '../common/loaders';
import { inForceSql } from '../common/term-expiry';
import { queryPrepared } from '../db/prepared';

@ObjectType()
export class PartnerStats {
  @Field(() => Int)
  fulfilledMatches: number;

  @Field(() => Int)
  verifiedServiceMinutes: number;

  @Field(() => Int)
  activeContracts: number;

  @Field(() => Float, { nullable: true, description: 'Mean evaluation rating 1-5, null before the first evaluation.' })
  averageRating: number | null;

  @Field(() => Int, {
    description:
      'Stars 1-5 (评估定星): those of the latest closed rating round that rated the partner, in whichever community (stats are not per community; ' +
      '`Partner.ratings` lists each community\'s). Before any round has rated it, the contribution rating derived from the figures above.',
  })
  stars: number;

  @Field(() => Float, { nullable: true, description: "Mean of the residents' ratings (1-5) of the resolved requests this partner worked on; null before the first. Never names a rater." })
  residentRating: number | null;

  @Field(() => Int, { description: 'How many resolved requests this partner worked on were rated by their residents.' })
  residentRatingCount: number;
}

type Figures = Omit<PartnerStats, 'stars' | 'residentRating' | 'residentRatingCount'>;

/** A row of the figures' statement. */
interface StatsRow {
  id: string;
  fulfilled_matches: number;
  verified_service_minutes: number;
  active_contracts: number;
  average_rating: number | null;
  resident_rating: number | null;
  resident_rating_count: number;
  published_stars: number | null;
}

/**
 * The contribution rating, documented in the README, for partners no rating round has rated yet:
 * contribution = fulfilled matches + active contracts + verified service hours / 10;
 * 1 star below 1, 2 from 1, 3 from 5, 4 from 15, 5 from 40; one star less (never below 1)
 * when the mean evaluation is under 2.5.
 */
export function starsFor(f: Figures): number {
  const contribution = f.fulfilledMatches + f.activeContracts + f.verifiedServiceMinutes / 600;
  const tiers = [1, 5, 15, 40];
  let stars = 1 + tiers.filter((t) => contribution >= t).length;
  if (f.averageRating !== null && f.averageRating < 2.5) stars -= 1;
  return Math.max(1, Math.min(5, stars));
}

/**
 * Every partner's figures in one statement for the whole request.
 *
 * Residents' ratings (issue #14 item 4): a request rated once counts, in full and once, for every
 * partner with an APPROVED or FULFILLED match on the request's demand item (several partners who
 * shared the item each get it; a partner with two matches there gets it once); merged requests on
 * one item each count. The same rule holds for individual volunteers (residents/volunteer-record.service.ts).
 */
export function partnerStatsLoader(ctx: Ctx) {
  // active_contracts: in force, by the expiry rule's one definition (src/common/term-expiry.ts);
  // partners sits below spaces, residents and ratings and reads their tables without importing them:
  // the latest published stars come from ratings/' results table (partner_rating, written once when a round closes);
  // verified minutes from service hours' monthly rollup (a dozen rows a year per community, not every log).
  // A named prepared statement: its plan cost about as much as its run.
  return loader<string, PartnerStats>(ctx, 'partnerStats', async (ids) => {
    const rows = await queryPrepared<StatsRow>(
        ctx.db,
        `SELECT p.id,
                (SELECT count(*)::int FROM demand_match m WHERE m.partner_id = p.id AND m.status = 'FULFILLED') AS fulfilled_matches,
                (SELECT coalesce(sum(h.minutes), 0) FROM service_hours_partner_monthly h WHERE h.partner_id = p.id AND h.status = 'VERIFIED') AS verified_service_minutes,
                (SELECT count(*) FROM space_contract sc
                  WHERE sc.partner_id = p.id AND ${inForceSql('sc', '$2')})::int AS active_contracts,
                (SELECT avg(e.rating)::float8 FROM evaluation e WHERE e.partner_id = p.id) AS average_rating,
                rr.resident_rating, rr.resident_rating_count,
                (SELECT pr.stars FROM partner_rating pr WHERE pr.partner_id = p.id ORDER BY pr.published_at DESC, pr.round_id DESC LIMIT 1) AS published_stars
           FROM partner p
           CROSS JOIN LATERAL (
             SELECT avg(r.rating_score)::float8 AS resident_rating, count(*)::int AS resident_rating_count
               FROM resident_request r
              WHERE r.status = 'RESOLVED' AND r.rating_score IS NOT NULL
                AND (r.community_id, r.demand_id) IN (SELECT m.community_id, m.demand_id FROM demand_match m WHERE m.partner_id = p.id AND m.status IN ('APPROVED', 'FULFILLED'))) rr
          WHERE p.id = ANY($1::uuid[])`,
        [ids, clockNow()],
      );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => {
      const r = byId.get(id);
      const figures: Figures = {
        fulfilledMatches: Number(r?.fulfilled_matches ?? 0),
        verifiedServiceMinutes: Number(r?.verified_service_minutes ?? 0),
        activeContracts: Number(r?.active_contracts ?? 0),
        averageRating: r?.average_rating == null ? null : Number(r.average_rating),
      };
      return {
        ...figures,
        stars: r?.published_stars == null ? starsFor(figures) : Number(r.published_stars),
        residentRating: r?.resident_rating == null ? null : Number(r.resident_rating),
        residentRatingCount: Number(r?.resident_rating_count ?? 0),
      };
    });
  });
}
