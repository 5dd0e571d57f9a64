import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The in-app inbox: one row per person told about a change, written in the change's transaction. */
export class Notifications1763900400000 implements MigrationInterface {
  name = 'Notifications1763900400000';

  async up(q: QueryRunner): Promise<void> {
    // match_id, contract_id, booking_id and service_log_id get their foreign keys once those tables exist.
    await q.query(`
      CREATE TABLE notification (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES app_user (id),
        community_id uuid REFERENCES community (id),
        kind text NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
        message text NOT NULL CHECK (length(message) BETWEEN 1 AND 4000),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        read_at timestamptz(3),
        partnership_id uuid REFERENCES partnership (id),
        match_id uuid,
        contract_id uuid,
        booking_id uuid,
        service_log_id uuid
      )`);
    // The inbox, newest first, and its unread part (small: rows leave it once read).
    await q.query(`CREATE INDEX notification_user_idx ON notification (user_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX notification_unread_idx ON notification (user_id, created_at DESC, id DESC) WHERE read_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS notification`);
  }
}
