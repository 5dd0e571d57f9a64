import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A community's pending work (issue #16 item 4): counted and listed by community and status on
 * every secretary's start page. Matches awaiting review have demand_match_review_queue_idx; the
 * other four kinds get a partial index each, small since decided rows leave it.
 */
export class PendingWork1764770000000 implements MigrationInterface {
  name = 'PendingWork1764770000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX space_contract_pending_idx ON space_contract (community_id, created_at, id) WHERE status = 'PENDING_REVIEW'`);
    await q.query(`CREATE INDEX partnership_pending_idx ON partnership (community_id, created_at, id) WHERE status = 'PENDING'`);
    await q.query(`CREATE INDEX service_log_pending_idx ON service_log (community_id, created_at, id) WHERE status = 'PENDING'`);
    await q.query(`CREATE INDEX resident_request_submitted_idx ON resident_request (community_id, created_at, id) WHERE status = 'SUBMITTED'`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of ['resident_request_submitted_idx', 'service_log_pending_idx', 'partnership_pending_idx', 'space_contract_pending_idx']) {
      await q.query(`DROP INDEX ${index}`);
    }
  }
}
