import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read-your-writes with a read replica (issue #18 item 2; src/db/replica.ts): each signed-in
 * user's last write as the primary's WAL position; their heavy reads stay on the primary until the
 * replica has replayed it. One row per user who wrote, read by every server process. UNLOGGED: it
 * costs no WAL and never reaches the replica; after a crash of the primary it starts empty, as
 * streaming itself restarts.
 */
export class ReplicaReadFence1764940000000 implements MigrationInterface {
  name = 'ReplicaReadFence1764940000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE UNLOGGED TABLE replica_read_fence (user_id uuid PRIMARY KEY, lsn pg_lsn NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE replica_read_fence`);
  }
}
