import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Personal data (issue #19, docs/personal-data.md): an erased account keeps its row, since the
 * records of communities and partners point at it, but nothing that names the person: no e-mail,
 * no password, the display name "已注销用户". `erased_at` says when, and the CHECK keeps it so.
 */
export class Erasure1764800000000 implements MigrationInterface {
  name = 'Erasure1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE app_user ADD COLUMN erased_at timestamptz(3)`);
    await q.query(`
      ALTER TABLE app_user ADD CONSTRAINT app_user_erased_check
        CHECK (erased_at IS NULL OR (email IS NULL AND password_hash IS NULL AND NOT is_admin AND display_name = '已注销用户'))`);
    // The retention job (src/privacy/retention.ts): read notifications and expired signed links by age.
    await q.query(`CREATE INDEX notification_read_idx ON notification (read_at) WHERE read_at IS NOT NULL`);
    await q.query(`CREATE INDEX signed_link_expires_idx ON signed_link (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS signed_link_expires_idx`);
    await q.query(`DROP INDEX IF EXISTS notification_read_idx`);
    await q.query(`ALTER TABLE app_user DROP CONSTRAINT IF EXISTS app_user_erased_check`);
    await q.query(`ALTER TABLE app_user DROP COLUMN IF EXISTS erased_at`);
  }
}
