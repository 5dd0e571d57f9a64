import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A community's ACTIVE partners from the index alone. Every suggestion list starts from them
 * (src/demand/suggestions.service.ts, the shortlist), and partnership_live_key (PENDING and ACTIVE)
 * does not hold the status: the shortlist read a heap page per partnership to drop the PENDING ones,
 * 84 pages for a community's 133 (scale 1), most not in memory at scale 10 (issue #17 item 4:
 * suggestions' cost must not grow with the data). Partnerships change seldom, so the visibility map
 * keeps the scan index-only: 4 pages.
 */
export class ActivePartnersIndex1765300000000 implements MigrationInterface {
  name = 'ActivePartnersIndex1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX partnership_active_idx ON partnership (community_id, partner_id) WHERE status = 'ACTIVE'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX partnership_active_idx`);
  }
}
