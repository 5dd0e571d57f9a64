import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Residents' requests awaiting inspection (验收) count in a community's pending work beside those
 * awaiting triage: a partial index like resident_request_submitted_idx, by the instant the work was
 * reported done (the row's last change while it waits).
 */
export class PendingInspections1764810100000 implements MigrationInterface {
  name = 'PendingInspections1764810100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX resident_request_inspection_idx ON resident_request (community_id, updated_at, id) WHERE status = 'AWAITING_INSPECTION'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX resident_request_inspection_idx`);
  }
}
