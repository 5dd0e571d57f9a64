import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { pgErrorCode } from '../errors';
import { requestScope } from './query-counter';

/*
 * Heavy reads on a streaming replica (DATABASE_REPLICA_URL; issue #18 item 2). The router knows no
 * domain: a domain hands it a read and the caller's user id, and the router runs the read on the
 * replica when it may, else on the primary:
 *
 * - the replica answers its poll (every REPLICA_POLL_MS) and has replayed the primary's WAL to
 *   within REPLICA_MAX_LAG_MS; otherwise every read falls back to the primary;
 * - read-your-writes: a signed-in user's reads stay on the primary until the replica has replayed
 *   that user's last write. After each of their write transactions commits, the primary's WAL
 *   position is kept as their fence in `replica_read_fence`, an UNLOGGED table on the primary (one
 *   small upsert per write, one primary-key read per heavy read): every server process reads the
 *   same fence, so a next request served by another process waits for the replica as well. Kept
 *   in PostgreSQL rather than Redis, which is optional, or a cookie, which GraphQL clients do not
 *   echo; UNLOGGED because it is worth nothing after a crash of the primary (which also breaks
 *   streaming) and should cost no WAL itself;
 * - a read the replica fails (it stopped mid-request) is run again on the primary.
 *
 * Lag is measured with this process's clock, not the servers': the poll notes when each primary
 * WAL position was first seen, and the lag is the age of the oldest one the replica has not yet
 * replayed (0 when it has replayed everything); an idle primary is no lag.
 */

export type ReplicaState = 'ok' | 'lagging' | 'down';
/** replica: served there; primary: the caller's own write is not replayed yet; fallback: the replica is down or lagging. */
export type ReadTarget = 'replica' | 'primary' | 'fallback';

export interface ReplicaStatus {
  state: ReplicaState;
  /** Milliseconds the replica is behind (null while it has never answered). */
  lagMs: number | null;
  /** WAL bytes the replica is behind the primary's last seen position (null while unknown). */
  lagBytes: number | null;
}

export interface ReplicaOptions {
  maxLagMs: number;
  pollMs: number;
  log: Logger;
}

/** A pg_lsn's text (`16/B374D848`) as a number of bytes. */
export function lsnBytes(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

/** Errors that say the replica is unreachable or went away, not that the read was wrong. */
function replicaFailed(error: unknown): boolean {
  const code = pgErrorCode(error) ?? '';
  if (/^(08|57P|53)/.test(code) || code === '40001' || /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH)$/.test(code)) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(message);
}

const MAX_SAMPLES = 10_000;

/** The fence read for a request's caller (RequestScope objects live as long as their request). */
const fences = new WeakMap<object, { caller: string; fence: Promise<bigint | null> }>();

export class ReplicaRouter {
  readonly reads: Record<ReadTarget, number> = { replica: 0, primary: 0, fallback: 0 };
  private replayLsn: bigint | null = null;
  private primaryLsn: bigint | null = null;
  /** Primary WAL positions not yet replayed, each with when this process first saw it. */
  private samples: { lsn: bigint; at: number }[] = [];
  private lastOkAt = 0;
  private failed = true;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = false;
  private warned = false;

  constructor(
    readonly primary: DataSource,
    readonly replica: DataSource,
    private readonly options: ReplicaOptions,
  ) {}

  /** Starts polling (the replica may be down now: the app starts anyway and reads from the primary). */
  start(): void {
    this.stopped = false;
    const tick = () => {
      this.polling = this.poll().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.options.pollMs).unref();
      });
    };
    // Outside any request's scope: the poll's statements are no request's.
    requestScope.exit(tick);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
    if (this.replica.isInitialized) await this.replica.destroy();
  }

  /** Polls once now (tests use it to see a change without waiting for the timer). */
  async poll(): Promise<void> {
    const now = performance.now();
    try {
      const [p] = await this.primary.query(`SELECT pg_current_wal_lsn()::text AS lsn`);
      this.primaryLsn = lsnBytes(p.lsn);
      const last = this.samples[this.samples.length - 1];
      if ((!last || this.primaryLsn > last.lsn) && this.samples.length < MAX_SAMPLES) this.samples.push({ lsn: this.primaryLsn, at: now });
    } catch {
      // The primary's own trouble shows elsewhere (/readyz); the replica's state is judged below.
    }
    try {
      if (!this.replica.isInitialized) await this.replica.initialize();
      const [r] = await this.replica.query(`SELECT pg_last_wal_replay_lsn()::text AS lsn`);
      if (!r.lsn) throw new Error('not a standby (pg_last_wal_replay_lsn() is null)');
      this.replayLsn = lsnBytes(r.lsn);
      const replayed = this.replayLsn;
      this.samples = this.samples.filter((s) => s.lsn > replayed);
      this.lastOkAt = now;
      if (this.failed) this.options.log.info('read replica answering');
      this.failed = false;
      this.warned = false;
    } catch (error) {
      this.markFailed(error);
    }
  }

  private markFailed(error: unknown): void {
    this.failed = true;
    if (this.warned) return;
    this.warned = true;
    this.options.log.warn({ err: error }, 'read replica unreachable; heavy reads go to the primary');
  }

  status(): ReplicaStatus {
    const now = performance.now();
    const known = this.lastOkAt > 0;
    const lagMs = !known ? null : this.samples.length ? Math.round(now - this.samples[0].at) : 0;
    const lagBytes = known && this.primaryLsn !== null && this.replayLsn !== null ? Number(this.primaryLsn > this.replayLsn ? this.primaryLsn - this.replayLsn : 0n) : null;
    // A poll that has not answered for longer than the bound is as good as a failed one.
    const silent = now - this.lastOkAt > Math.max(this.options.maxLagMs, 5 * this.options.pollMs);
    const state: ReplicaState = this.failed || silent ? 'down' : (lagMs ?? 0) > this.options.maxLagMs ? 'lagging' : 'ok';
    return { state, lagMs, lagBytes };
  }

  /** Where `caller`'s read goes now. */
  async target(caller: string | null): Promise<ReadTarget> {
    if (this.status().state !== 'ok' || this.replayLsn === null) return 'fallback';
    const scope = requestScope.getStore();
    let fence: bigint | null = scope?.writeLsn ?? null;
    if (fence === null && caller) {
      // Read once per request (a page of rooms asks for each room's availability).
      const memo = scope ? fences.get(scope) : undefined;
      const read = memo?.caller === caller ? memo.fence : this.fenceOf(caller);
      if (scope && memo?.caller !== caller) fences.set(scope, { caller, fence: read });
      fence = await read;
    }
    return fence !== null && fence > this.replayLsn ? 'primary' : 'replica';
  }

  private async fenceOf(userId: string): Promise<bigint | null> {
    const [row] = await this.primary.query(`SELECT lsn::text AS lsn FROM replica_read_fence WHERE user_id = $1`, [userId]);
    return row ? lsnBytes(row.lsn) : null;
  }

  /** After `userId`'s write transaction committed: their reads wait for the replica to replay it. */
  async recordWrite(userId: string): Promise<void> {
    const [row] = await this.primary.query(
      `INSERT INTO replica_read_fence (user_id, lsn) VALUES ($1, pg_current_wal_lsn())
       ON CONFLICT (user_id) DO UPDATE SET lsn = greatest(replica_read_fence.lsn, excluded.lsn)
       RETURNING lsn::text AS lsn`,
      [userId],
    );
    const scope = requestScope.getStore();
    if (scope) scope.writeLsn = lsnBytes(row.lsn);
  }

  /** Runs `read` where `target` says; a read the replica fails runs again on the primary. */
  async run<T>(caller: string | null, read: (db: DataSource) => Promise<T>): Promise<T> {
    const target = await this.target(caller);
    if (target !== 'replica') {
      this.reads[target]++;
      return read(this.primary);
    }
    try {
      const result = await read(this.replica);
      this.reads.replica++;
      return result;
    } catch (error) {
      if (!replicaFailed(error)) throw error;
      this.markFailed(error);
      this.reads.fallback++;
      return read(this.primary);
    }
  }
}

const routers = new WeakMap<DataSource, ReplicaRouter>();

/** The primary's router, when a replica is configured (set where the data source is created). */
export function replicaRouterOf(db: DataSource): ReplicaRouter | undefined {
  return routers.get(db);
}

export function attachReplica(primary: DataSource, router: ReplicaRouter): void {
  routers.set(primary, router);
}

/**
 * The one way a heavy read reaches the replica: `read` gets the replica's data source when it may
 * serve `caller` (their last write replayed, the replica healthy and within the lag bound), else
 * the primary's. Only for reads outside a transaction: a transaction's reads use its manager.
 */
export function readFromReplica<T>(db: DataSource, caller: string | null, read: (db: DataSource) => Promise<T>): Promise<T> {
  const router = routers.get(db);
  return router ? router.run(caller, read) : read(db);
}

/** After a write transaction of the request's signed-in user committed (db/transaction.ts). */
export async function recordWrite(db: DataSource): Promise<void> {
  const router = routers.get(db);
  const userId = requestScope.getStore()?.userId;
  if (!router || !userId) return;
  await router.recordWrite(userId);
}
