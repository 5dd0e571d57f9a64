import fs from 'node:fs';
import type { Extension, PGliteOptions } from '@electric-sql/pglite';
import type { Logger } from 'pino';
import { Client } from 'pg';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { PGliteDriver } from 'typeorm-pglite';
import type { Config } from '../config';
import { lockDataDir } from './data-dir-lock';
import { durableNodeFS, durableStartParams } from './durable-nodefs';
import { SerialPGlitePool } from './pglite-serial-pool';
import { configurePreparedStatements } from './prepared';
import { CountingQueryLogger } from './query-counter';
import { attachReplica, ReplicaRouter } from './replica';
import { SnakeNamingStrategy } from './snake-naming';

export interface DataSourceOptions {
  /** Every TypeORM entity (the app's list: src/registry.ts); db/ itself knows no domain. */
  entities: Function[];
  /** Every migration, oldest first (src/registry.ts). */
  migrations: (new () => MigrationInterface)[];
  /** Connections in the pool (PostgreSQL only). */
  poolSize?: number;
  /** Milliseconds a statement may run before PostgreSQL cancels it. */
  statementTimeoutMs?: number;
}

/** PostgreSQL when `config.databaseUrl` is set; otherwise embedded PGlite under `config.dataDir`. */
export function createDataSource(config: Config, log: Logger, options: DataSourceOptions): DataSource {
  const common = {
    type: 'postgres' as const,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    namingStrategy: new SnakeNamingStrategy(),
    logger: new CountingQueryLogger(log),
    maxQueryExecutionTime: 1000,
    // Extensions come from migrations, never from TypeORM's metadata guesses.
    installExtensions: false,
  };
  if (config.databaseUrl) {
    const statementTimeoutMs = options.statementTimeoutMs ?? config.dbStatementTimeoutMs;
    const pooled = config.databasePoolMode === 'transaction';
    const db = new DataSource({
      ...common,
      url: config.databaseUrl,
      poolSize: options.poolSize ?? config.dbPoolSize,
      extra: {
        // A startup parameter PgBouncer refuses ("unsupported startup parameter"); behind it, the role's default instead (below).
        ...(pooled ? {} : { statement_timeout: statementTimeoutMs }),
        application_name: 'marketplace',
        ...warmPool(config),
      },
    });
    configurePreparedStatements(db, { enabled: config.dbPreparedStatements, strict: config.dbPreparedStatementsStrict, log });
    const initialize = db.initialize.bind(db);
    db.initialize = async () => {
      try {
        if (pooled) await statementTimeoutAsRoleDefault(config.databaseUrl!, statementTimeoutMs);
        return await initialize();
      } catch (error) {
        if (/unsupported startup parameter/i.test((error as Error).message ?? '')) {
          throw new Error(`${(error as Error).message}: behind PgBouncer in transaction mode, set DATABASE_POOL_MODE=transaction`, { cause: error });
        }
        throw error;
      }
    };
    // After the pooler's wrapper: the replica's router starts once the primary is up.
    if (config.databaseReplicaUrl) withReplica(db, config, log, options);
    return db;
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  // One process per data directory: a second one would overwrite this one's pages.
  const lock = lockDataDir(config.dataDir, log);
  // Configures typeorm-pglite's one PGlite instance per process; our pool then lends it serially.
  // PGlite 0.5 itself never fsyncs: see durable-nodefs.ts.
  new PGliteDriver({ fs: durableNodeFS(config.dataDir), startParams: durableStartParams(), extensions: pgliteExtensions() } as PGliteOptions);
  const db = new DataSource({ ...common, driver: { Pool: SerialPGlitePool } });
  const destroy = db.destroy.bind(db);
  db.destroy = async () => {
    try {
      if (db.isInitialized) await destroy();
    } finally {
      lock.release();
    }
  };
  return db;
}

/**
 * The read replica's data source beside the primary's (same entities, no migrations: it is a
 * standby of the primary), started and stopped with it. Its statements are counted and logged as
 * the primary's; a replica down at start-up does not stop the app (db/replica.ts polls for it).
 */
/**
 * pg-pool's options that keep connections, and so their caches and prepared statements, warm
 * (config.dbPoolMin). Idle ones never keep a process alive by themselves (a server's HTTP listener
 * does; a script or test that forgot to close its pool still exits).
 */
const warmPool = (config: Config) => ({ min: config.dbPoolMin, idleTimeoutMillis: config.dbPoolIdleMs, allowExitOnIdle: true });

function withReplica(db: DataSource, config: Config, log: Logger, options: DataSourceOptions): void {
  const replica = new DataSource({
    type: 'postgres',
    url: config.databaseReplicaUrl,
    entities: options.entities,
    synchronize: false,
    namingStrategy: new SnakeNamingStrategy(),
    logger: new CountingQueryLogger(log),
    maxQueryExecutionTime: 1000,
    installExtensions: false,
    poolSize: options.poolSize ?? config.dbPoolSize,
    extra: {
      statement_timeout: options.statementTimeoutMs ?? config.dbStatementTimeoutMs,
      application_name: 'marketplace-replica',
      // A replica that stopped answering must not hold a request long before it falls back.
      connectionTimeoutMillis: 2_000,
      ...warmPool(config),
    },
  });
  configurePreparedStatements(replica, { enabled: config.dbPreparedStatements, strict: config.dbPreparedStatementsStrict, log });
  const router = new ReplicaRouter(db, replica, { maxLagMs: config.replicaMaxLagMs, pollMs: config.replicaPollMs, log });
  attachReplica(db, router);
  const initialize = db.initialize.bind(db);
  const destroy = db.destroy.bind(db);
  db.initialize = async () => {
    await initialize();
    router.start();
    return db;
  };
  db.destroy = async () => {
    await router.stop();
    await destroy();
  };
}

/**
 * Behind a transaction-mode pooler a session's settings would stay on whichever server connection
 * ran them, for other clients: the statement timeout becomes this role's default in this database
 * (every server connection the pooler opens from now on starts with it), and the one connection
 * used here gets it too. A one-statement catalog write, the same from every process of one
 * configuration; server connections the pooler opened before keep what they had until recycled.
 */
async function statementTimeoutAsRoleDefault(url: string, ms: number): Promise<void> {
  const client = new Client({ connectionString: url, application_name: 'marketplace' });
  await client.connect();
  try {
    const value = String(Math.trunc(ms));
    // One transaction, so on one server connection: the SET (session-wide, it outlives the COMMIT) lands where the ALTER ran.
    await client.query(`BEGIN; DO $$ BEGIN EXECUTE format('ALTER ROLE CURRENT_USER IN DATABASE %I SET statement_timeout = %L', current_database(), '${value}'); END $$; SET statement_timeout = ${value}; COMMIT`);
  } finally {
    await client.end();
  }
}

/** Applies pending migrations; returns their names. */
export async function migrate(db: DataSource): Promise<string[]> {
  for (const migration of db.migrations) unboundedByStatementTimeout(migration);
  const applied = await db.runMigrations({ transaction: 'each' });
  return applied.map((m) => m.name);
}

const unbounded = new WeakSet<MigrationInterface>();

/**
 * A migration may back-fill a large table (the monthly rollups read every service log): the
 * requests' statement timeout must not cut it off at start-up. `SET LOCAL` in the migration's own
 * transaction, so the setting ends with it (behind a transaction-mode pooler a session SET would
 * stay on a server connection that other clients get next).
 */
function unboundedByStatementTimeout(migration: MigrationInterface): void {
  if (unbounded.has(migration)) return;
  unbounded.add(migration);
  const up = migration.up.bind(migration);
  migration.up = async (queryRunner: QueryRunner) => {
    await queryRunner.query(`SET LOCAL statement_timeout = 0`);
    return up(queryRunner);
  };
}

/** True when every known migration has been applied (for /readyz). */
export async function migrationsApplied(db: DataSource): Promise<boolean> {
  return !(await db.showMigrations());
}

/** PGlite's contrib extensions our migrations create (exported paths that TypeScript's node resolution cannot see). */
function pgliteExtensions(): Record<string, Extension> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { btree_gist } = require('@electric-sql/pglite/contrib/btree_gist') as { btree_gist: Extension };
  const { pg_trgm } = require('@electric-sql/pglite/contrib/pg_trgm') as { pg_trgm: Extension };
  return { btree_gist, pg_trgm };
}
