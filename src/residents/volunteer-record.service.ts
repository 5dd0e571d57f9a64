import { Field, Float, Int, ObjectType } from 'type-graphql';
import { loader } from '../common/loaders';
import type { Ctx } from '../context';

/** What a person did as an individual volunteer (issue #14 item 4): their own record, in figures only. */
@ObjectType({ description: "A person's own record as a volunteer: figures only, never naming a resident who rated." })
export class VolunteerRecord {
  /** The communities they volunteered in (a claim of their own, or a service log): whose secretaries may read the record. */
  servedIn: string[];

  @Field(() => Int, { description: 'Matches they took on alone and the secretary confirmed as delivered.' })
  fulfilledMatches: number;

  @Field(() => Int, { description: 'Minutes of their service logs the secretaries verified (alone or for a partner).' })
  verifiedServiceMinutes: number;

  @Field(() => Float, { nullable: true, description: "Mean of the secretaries' evaluations of the matches they took on alone; null before the first." })
  averageRating: number | null;

  @Field(() => Float, { nullable: true, description: "Mean of the residents' ratings (1-5) of the resolved requests they worked on alone; null before the first." })
  residentRating: number | null;

  @Field(() => Int, { description: 'How many resolved requests they worked on alone were rated by their residents.' })
  residentRatingCount: number;
}

/**
 * Every asked person's record in one statement for the whole request. Residents' ratings count as
 * for partners (partners/partner-stats.service.ts): a request rated once counts, in full and once,
 * for each volunteer with an APPROVED or FULFILLED match of their own on the request's item.
 */
export function volunteerRecordLoader(ctx: Ctx) {
  return loader<string, VolunteerRecord>(ctx, 'volunteerRecord', async (ids) => {
    const rows: {
      id: string;
      served_in: string[];
      fulfilled_matches: number;
      verified_service_minutes: number;
      average_rating: number | null;
      resident_rating: number | null;
      resident_rating_count: number;
    }[] = await ctx.db.query(
      `SELECT u.id,
              ARRAY(SELECT m.community_id FROM demand_match m WHERE m.volunteer_id = u.id
                    UNION SELECT sl.community_id FROM service_log sl WHERE sl.volunteer_id = u.id)::text[] AS served_in,
              (SELECT count(*)::int FROM demand_match m WHERE m.volunteer_id = u.id AND m.status = 'FULFILLED') AS fulfilled_matches,
              (SELECT coalesce(sum(sl.minutes), 0)::int FROM service_log sl WHERE sl.volunteer_id = u.id AND sl.status = 'VERIFIED') AS verified_service_minutes,
              (SELECT avg(e.rating)::float8 FROM evaluation e JOIN demand_match m ON m.community_id = e.community_id AND m.id = e.match_id
                WHERE m.volunteer_id = u.id) AS average_rating,
              rr.resident_rating, rr.resident_rating_count
         FROM unnest($1::uuid[]) AS u(id)
         CROSS JOIN LATERAL (
           SELECT avg(r.rating_score)::float8 AS resident_rating, count(*)::int AS resident_rating_count
             FROM resident_request r
            WHERE r.status = 'RESOLVED' AND r.rating_score IS NOT NULL
              AND (r.community_id, r.demand_id) IN (SELECT m.community_id, m.demand_id FROM demand_match m WHERE m.volunteer_id = u.id AND m.status IN ('APPROVED', 'FULFILLED'))) rr`,
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => {
      const r = byId.get(id)!;
      return Object.assign(new VolunteerRecord(), {
        servedIn: r.served_in,
        fulfilledMatches: Number(r.fulfilled_matches),
        verifiedServiceMinutes: Number(r.verified_service_minutes),
        averageRating: r.average_rating == null ? null : Number(r.average_rating),
        residentRating: r.resident_rating == null ? null : Number(r.resident_rating),
        residentRatingCount: Number(r.resident_rating_count),
      });
    });
  });
}
