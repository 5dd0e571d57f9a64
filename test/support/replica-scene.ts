import { Client } from 'pg';
import { loadConfig } from '../../src/config';
import { createDataSource, migrate } from '../../src/db/data-source';
import { createLogger } from '../../src/logger';
import { registry } from '../../src/registry';
import { createCluster, createReplica, waitForReplay, type Cluster } from './real-parts';

/** A primary of its own with the app's schema, and a streaming replica of it (the read-replica tests). */
export interface ReplicaScene {
  primary: Cluster;
  replica: Cluster;
  /** The app's database on the primary and on the replica. */
  primaryUrl: string;
  replicaUrl: string;
  /** Resolves when the replica has replayed everything the primary has written so far. */
  caughtUp(): Promise<void>;
  /** One statement on the replica (pg_wal_replay_pause() and friends). */
  onReplica(sql: string): Promise<void>;
  destroy(): Promise<void>;
}

export async function replicaScene(): Promise<ReplicaScene> {
  // Durability is not under test here, and the machine is shared: no fsync (WAL is still written and streamed).
  const primary = await createCluster({ name: 'rr-primary', settings: { fsync: 'off' } });
  try {
    await run(primary.url(), 'CREATE DATABASE mp');
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: primary.url('mp') });
    const db = await createDataSource(config, createLogger('silent'), { ...registry, poolSize: 1 }).initialize();
    await migrate(db);
    await db.destroy();
    // pg_basebackup asks for a spread checkpoint (minutes on a quiet server): one taken now leaves it nothing to spread.
    await run(primary.url(), 'CHECKPOINT');
    const replica = await createReplica(primary, { name: 'rr-replica' });
    return {
      primary,
      replica,
      primaryUrl: primary.url('mp'),
      replicaUrl: replica.url('mp'),
      caughtUp: () => waitForReplay(primary, replica),
      onReplica: (sql) => run(replica.url('mp'), sql),
      async destroy() {
        await replica.destroy();
        await primary.destroy();
      },
    };
  } catch (error) {
    await primary.destroy();
    throw error;
  }
}

async function run(url: string, sql: string): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** The value of one sample of the Prometheus text, e.g. `db_heavy_reads_total{target="replica"}`; null when absent. */
export function metricValue(text: string, sample: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : null;
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
