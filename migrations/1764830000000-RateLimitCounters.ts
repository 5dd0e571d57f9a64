import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rate-limit counters shared by every server process (issue #18 item 3; ops/rate-limit.ts), in the
 * layout rate-limiter-flexible's RateLimiterPostgres reads and writes (key, points, expire in epoch
 * ms); the key names the window, so a row lives one window and is deleted by the library's sweep
 * (`expire` indexed for it). UNLOGGED: a counter lost in a crash only gives a client a fresh
 * window, and one write per operation should not cost WAL (nor reach a replica).
 */
export class RateLimitCounters1764830000000 implements MigrationInterface {
  name = 'RateLimitCounters1764830000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE UNLOGGED TABLE rate_limit_counter (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`);
    await q.query(`CREATE INDEX rate_limit_counter_expire_idx ON rate_limit_counter (expire)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rate_limit_counter`);
  }
}
