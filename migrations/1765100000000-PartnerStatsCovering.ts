import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A partner's figures (src/partners/partner-stats.service.ts, read with every suggestion list,
 * partner page and rating) from indexes alone (issue #17 item 4: suggestions' cost must not grow
 * with the size of the data). Its residents' rating joined each of the partner's live or fulfilled
 * matches to its demand item's resolved requests through the heap of both tables: a random page
 * per match and per request, which at scale 10 are pages not in memory.
 *
 * - demand_match_partner_idx also carries the match's community and demand item (the same
 *   columns first, so every reader of it keeps its plans);
 * - resident_request_rated_idx holds only the rated, resolved requests, with their score;
 * - evaluation_partner_idx carries the rating (the mean evaluation).
 */
export class PartnerStatsCovering1765100000000 implements MigrationInterface {
  name = 'PartnerStatsCovering1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX demand_match_partner_covering_idx ON demand_match (partner_id, status, created_at, id) INCLUDE (community_id, demand_id)`);
    await q.query(`DROP INDEX demand_match_partner_idx`);
    await q.query(`ALTER INDEX demand_match_partner_covering_idx RENAME TO demand_match_partner_idx`);
    await q.query(
      `CREATE INDEX resident_request_rated_idx ON resident_request (demand_id, community_id) INCLUDE (rating_score)
        WHERE status = 'RESOLVED' AND rating_score IS NOT NULL`,
    );
    await q.query(`CREATE INDEX evaluation_partner_covering_idx ON evaluation (partner_id) INCLUDE (rating)`);
    await q.query(`DROP INDEX evaluation_partner_idx`);
    await q.query(`ALTER INDEX evaluation_partner_covering_idx RENAME TO evaluation_partner_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX evaluation_partner_plain_idx ON evaluation (partner_id)`);
    await q.query(`DROP INDEX evaluation_partner_idx`);
    await q.query(`ALTER INDEX evaluation_partner_plain_idx RENAME TO evaluation_partner_idx`);
    await q.query(`DROP INDEX resident_request_rated_idx`);
    await q.query(`CREATE INDEX demand_match_partner_plain_idx ON demand_match (partner_id, status, created_at, id)`);
    await q.query(`DROP INDEX demand_match_partner_idx`);
    await q.query(`ALTER INDEX demand_match_partner_plain_idx RENAME TO demand_match_partner_idx`);
  }
}
