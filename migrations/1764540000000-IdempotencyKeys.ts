import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys of mutations (src/ops/idempotency.ts): the first answer to a user's key, replayed
 * for 24 hours. Keyed (user_id, key), so under Citus it is distributed by user_id like notification.
 * No foreign key to app_user: the row is a cache of an answer, purged after 24 hours anyway.
 */
export class IdempotencyKeys1764540000000 implements MigrationInterface {
  name = 'IdempotencyKeys1764540000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_key (
        user_id uuid NOT NULL,
        key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
        -- sha256 of the request (query, operation name, variables): the same key with another body is refused.
        request_hash text NOT NULL,
        created_at timestamptz(3) NOT NULL,
        -- Set while the first request runs; a claim older than the lease counts as abandoned.
        locked_at timestamptz(3),
        -- The stored answer; null while in progress.
        response_status int,
        response_body text,
        PRIMARY KEY (user_id, key)
      )`);
    // The purge of expired keys.
    await q.query(`CREATE INDEX idempotency_key_created_idx ON idempotency_key (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS idempotency_key`);
  }
}
