import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts and consent (docs/accounts.md):
 * - app_user.token_version: every token carries the version it was issued at; changePassword and
 *   logOutEverywhere bump it, so earlier tokens stop working.
 * - partner_invitation: nobody becomes a member of a partner without accepting. Addressed by
 *   e-mail, so an invitation can wait for a sign-up; one PENDING invitation per partner and e-mail.
 * - login_attempt: failed logins per account e-mail and per client address, shared by every
 *   process, with the delay the next attempt must wait.
 */
export class Accounts1764510000000 implements MigrationInterface {
  name = 'Accounts1764510000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE app_user ADD COLUMN token_version int NOT NULL DEFAULT 0`);

    await q.query(`
      CREATE TABLE partner_invitation (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        partner_id uuid NOT NULL REFERENCES partner (id),
        email text NOT NULL CHECK (email = lower(email) AND length(email) <= 254),
        role text NOT NULL CHECK (role IN ('OWNER', 'MEMBER')),
        status text NOT NULL CHECK (status IN ('PENDING', 'ACCEPTED', 'DECLINED', 'REVOKED')),
        invited_by uuid NOT NULL REFERENCES app_user (id),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        responded_at timestamptz(3)
      )`);
    await q.query(`CREATE UNIQUE INDEX partner_invitation_pending_key ON partner_invitation (partner_id, email) WHERE status = 'PENDING'`);
    // me { invitations }: the pending ones addressed to the viewer's e-mail.
    await q.query(`CREATE INDEX partner_invitation_email_idx ON partner_invitation (email) WHERE status = 'PENDING'`);

    await q.query(`
      CREATE TABLE login_attempt (
        key text PRIMARY KEY CHECK (length(key) <= 300),
        failures int NOT NULL DEFAULT 0 CHECK (failures >= 0),
        last_failed_at timestamptz(3),
        blocked_until timestamptz(3)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS login_attempt`);
    await q.query(`DROP TABLE IF EXISTS partner_invitation`);
    await q.query(`ALTER TABLE app_user DROP COLUMN IF EXISTS token_version`);
  }
}
