import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Residents (issue #14): who lives in which community, in which building, and whether a secretary
 * of the community vouched for it. A person leaves and may come back: the old rows stay, and at
 * most one row per person and community is not left (the partial unique index).
 */
export class Residency1764620000000 implements MigrationInterface {
  name = 'Residency1764620000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE residency (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES app_user (id),
        community_id uuid NOT NULL REFERENCES community (id),
        building text CHECK (building IS NULL OR length(building) BETWEEN 1 AND 200),
        verified boolean NOT NULL DEFAULT false,
        verified_by uuid REFERENCES app_user (id),
        verified_at timestamptz(3),
        since timestamptz(3) NOT NULL DEFAULT now(),
        left_at timestamptz(3),
        CHECK (verified = (verified_at IS NOT NULL)),
        CHECK (left_at IS NULL OR left_at >= since)
      )`);
    await q.query(`CREATE UNIQUE INDEX residency_current_uq ON residency (user_id, community_id) WHERE left_at IS NULL`);
    await q.query(`CREATE INDEX residency_community_idx ON residency (community_id) WHERE left_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS residency`);
  }
}
