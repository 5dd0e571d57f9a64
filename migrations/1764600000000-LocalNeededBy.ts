import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `neededBy` is a day in the community's time zone (contract v2: LocalDate), not an instant. Each
 * existing instant becomes the date it fell on in its community's zone (a demand needed by
 * 2026-12-20T15:59:59Z in Shanghai is needed by 2026-12-20; the same instant in New York, by
 * 2026-12-20 too, 10:59 there). USING cannot read another table, so the dates are worked out in a
 * column of their own first; the column keeps its place and name.
 */
export class LocalNeededBy1764600000000 implements MigrationInterface {
  name = 'LocalNeededBy1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE demand_item ADD COLUMN needed_on date`);
    await q.query(
      `UPDATE demand_item d SET needed_on = (d.needed_by AT TIME ZONE c.timezone)::date
         FROM community c WHERE c.id = d.community_id AND d.needed_by IS NOT NULL`,
    );
    await q.query(`ALTER TABLE demand_item ALTER COLUMN needed_by TYPE date USING needed_on`);
    await q.query(`ALTER TABLE demand_item DROP COLUMN needed_on`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Back to an instant: the end of that day in the community's zone (the last moment it is still "by").
    await q.query(`ALTER TABLE demand_item ADD COLUMN needed_at timestamptz(3)`);
    await q.query(
      `UPDATE demand_item d SET needed_at = ((d.needed_by + 1)::timestamp AT TIME ZONE c.timezone) - interval '1 millisecond'
         FROM community c WHERE c.id = d.community_id AND d.needed_by IS NOT NULL`,
    );
    await q.query(`ALTER TABLE demand_item ALTER COLUMN needed_by TYPE timestamptz(3) USING needed_at`);
    await q.query(`ALTER TABLE demand_item DROP COLUMN needed_at`);
  }
}
