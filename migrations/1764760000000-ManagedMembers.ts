import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staff without e-mail (issue #16, item 3; docs/accounts.md "Managed members"):
 * - app_user: a managed member is a user row a partner owner registered (`managed_by_partner_id`),
 *   with no e-mail and no password, so it can never log in; NULL e-mails do not collide in the
 *   unique index. Signing up with the e-mail of a pending invitation for it gives this row its
 *   e-mail and password (the managed mark goes): the logs never move.
 * - partner_invitation.managed_user_id: the managed member an invitation offers to take over; at
 *   most one pending invitation per managed member.
 * - service_log.logged_by_id: who logged the service for its volunteer (a partner owner), NULL when
 *   the volunteer logged it. Neither the volunteer nor the one who logged it verifies it.
 */
export class ManagedMembers1764760000000 implements MigrationInterface {
  name = 'ManagedMembers1764760000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE app_user ALTER COLUMN email DROP NOT NULL`);
    await q.query(`ALTER TABLE app_user ALTER COLUMN password_hash DROP NOT NULL`);
    await q.query(`ALTER TABLE app_user ADD COLUMN managed_by_partner_id uuid REFERENCES partner (id)`);
    await q.query(`
      ALTER TABLE app_user ADD CONSTRAINT app_user_managed_no_credentials_check
        CHECK (managed_by_partner_id IS NULL OR (email IS NULL AND password_hash IS NULL AND NOT is_admin))`);

    await q.query(`ALTER TABLE partner_invitation ADD COLUMN managed_user_id uuid REFERENCES app_user (id)`);
    await q.query(`
      CREATE UNIQUE INDEX partner_invitation_managed_pending_key ON partner_invitation (managed_user_id)
        WHERE status = 'PENDING' AND managed_user_id IS NOT NULL`);

    await q.query(`ALTER TABLE service_log ADD COLUMN logged_by_id uuid REFERENCES app_user (id)`);
    await q.query(`ALTER TABLE service_log ADD CONSTRAINT service_log_logged_for_another_check CHECK (logged_by_id <> volunteer_id)`);
    await q.query(`ALTER TABLE service_log ADD CONSTRAINT service_log_not_verified_by_logger_check CHECK (verified_by_id <> logged_by_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE service_log DROP COLUMN IF EXISTS logged_by_id`);
    await q.query(`DROP INDEX IF EXISTS partner_invitation_managed_pending_key`);
    await q.query(`ALTER TABLE partner_invitation DROP COLUMN IF EXISTS managed_user_id`);
    await q.query(`ALTER TABLE app_user DROP CONSTRAINT IF EXISTS app_user_managed_no_credentials_check`);
    await q.query(`ALTER TABLE app_user DROP COLUMN IF EXISTS managed_by_partner_id`);
    await q.query(`ALTER TABLE app_user ALTER COLUMN password_hash SET NOT NULL`);
    await q.query(`ALTER TABLE app_user ALTER COLUMN email SET NOT NULL`);
  }
}
