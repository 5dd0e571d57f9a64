import type { Request, RequestHandler } from 'express';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { DataSource } from 'typeorm';
import { nowMs } from '../common/clock';
import type { Config } from '../config';
import { poolQuery } from '../db/prepared';
import type { AppError } from '../errors';
import { currentLocale } from '../i18n/locale';

export type Take = { ok: true } | { ok: false; retryAfterSeconds: number };

/*
 * Rate-limit budgets shared by every server process: counted in Redis when REDIS_URL is set, else
 * in PostgreSQL (table rate_limit_counter), through rate-limiter-flexible (its atomic upsert / Lua
 * increment: one round trip per operation). The embedded store (one process per data directory)
 * counts in memory.
 *
 * Fixed windows of RATE_LIMIT_WINDOW_MS aligned on the server clock (common/clock.ts), which the
 * library cannot be given (it reads Date.now()): the window's start is part of each counter's key,
 * so a new window is a new counter whatever the store's clock says, and tests that freeze and move
 * the clock see the windows move with it. The library's own expiry (the window plus a minute of
 * real time) only cleans counters up.
 *
 * The store unreachable or slower than RATE_LIMIT_STORE_TIMEOUT_MS: the operation is counted in
 * this process's memory instead (per-process limits, as before this store existed) and a warning
 * is logged at most once a minute: abuse protection must not take the API down with it.
 */
const CLEANUP_MARGIN_S = 60;
const WARN_EVERY_MS = 60_000;

export interface RateLimitStore {
  /** Spends one operation of `key`'s budget of `limit` per window. */
  take(key: string, limit: number): Promise<Take>;
  close(): Promise<void>;
}

/** A rate-limiter-flexible limiter over one store, from its options (`inMemoryBlockOnConsumed` is for the shared stores). */
type Backend = (options: { keyPrefix: string; points: number; duration: number; inMemoryBlockOnConsumed: number }) => RateLimiterAbstract;

export function createRateLimitStore(deps: { db: DataSource; config: Config; log: Logger }): RateLimitStore {
  const { db, config, log } = deps;
  const { redisUrl, redisKeyPrefix } = config.rateLimit;
  if (redisUrl) {
    // No offline queue: while Redis is down a command fails at once (and the process counts alone).
    const redis = new Redis(redisUrl, { enableOfflineQueue: false, commandTimeout: config.rateLimit.storeTimeoutMs });
    let lastWarned = 0;
    redis.on('error', (err) => {
      if (Date.now() - lastWarned < WARN_EVERY_MS) return;
      lastWarned = Date.now();
      log.warn({ err }, 'rate limit: Redis unreachable');
    });
    return new WindowLimiter(config, log, (o) => new RateLimiterRedis({ ...o, keyPrefix: `${redisKeyPrefix}${o.keyPrefix}`, storeClient: redis, rejectIfRedisNotReady: true }), async () => {
      redis.disconnect();
    });
  }
  // TypeORM's PostgreSQL driver keeps its pg.Pool as `master`; the embedded store has none (one process).
  const pool = (db.driver as { master?: unknown }).master;
  if (config.databaseUrl && pool) {
    // The library names its statements; behind a pooler that cannot keep them they go unnamed (db/prepared.ts).
    const client = { query: (q: { text: string; values?: unknown[]; name?: string }) => poolQuery(db, q) };
    return new WindowLimiter(config, log, (o) => new RateLimiterPostgres({ ...o, storeClient: client, storeType: 'client', tableName: 'rate_limit_counter', tableCreated: true }));
  }
  return new WindowLimiter(config, log, null);
}

/** The budgets of one process: the shared store's counters, this process's memory when it fails. */
class WindowLimiter implements RateLimitStore {
  private readonly shared = new Map<number, RateLimiterAbstract>();
  private readonly local = new Map<number, RateLimiterAbstract>();
  private lastWarned = 0;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    private readonly backend: Backend | null,
    readonly close: () => Promise<void> = async () => {},
  ) {}

  async take(key: string, limit: number): Promise<Take> {
    const { windowMs, storeTimeoutMs } = this.config.rateLimit;
    const now = nowMs();
    const windowStart = Math.floor(now / windowMs) * windowMs;
    const refusal: Take = { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000)) };
    const windowKey = `${key}:${windowStart}`;
    if (this.backend) {
      try {
        return (await withTimeout(spend(this.limiter(this.shared, limit, this.backend), windowKey), storeTimeoutMs)) ? { ok: true } : refusal;
      } catch (err) {
        this.warn(err);
      }
    }
    const inMemory: Backend = ({ inMemoryBlockOnConsumed: _, ...options }) => new RateLimiterMemory(options);
    return (await spend(this.limiter(this.local, limit, inMemory), windowKey)) ? { ok: true } : refusal;
  }

  /** One library limiter per budget size (a user's, an address's). */
  private limiter(byLimit: Map<number, RateLimiterAbstract>, points: number, backend: Backend): RateLimiterAbstract {
    let limiter = byLimit.get(points);
    if (!limiter) {
      const duration = Math.ceil(this.config.rateLimit.windowMs / 1000) + CLEANUP_MARGIN_S;
      // Over budget, a key is refused from this process's memory until its window ends (its key
      // names the window): a flood does not become a flood of writes.
      limiter = backend({ keyPrefix: `rl${points}`, points, duration, inMemoryBlockOnConsumed: points + 1 });
      byLimit.set(points, limiter);
    }
    return limiter;
  }

  private warn(err: unknown): void {
    if (Date.now() - this.lastWarned < WARN_EVERY_MS) return;
    this.lastWarned = Date.now();
    this.log.warn({ err }, 'rate limit: shared store failed; counting in this process until it answers');
  }
}

/** True when admitted, false when over budget; throws when the store failed. */
async function spend(limiter: RateLimiterAbstract, key: string): Promise<boolean> {
  try {
    await limiter.consume(key);
    return true;
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return false;
    throw rejection;
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`rate limit store: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** What the middleware needs of the operation guard (named here, so that the two files do not import each other). */
export interface Admission {
  admit(caller: { userId: string | null; address: string }): Promise<AppError | null>;
}

/**
 * Who sends a request, from its signature alone (no database): the user's id, or null when
 * anonymous. Provided by the app (auth's tokens) when it composes the middlewares, so that ops/ knows
 * no domain.
 */
export type IdentifyCaller = (req: Request) => string | null;

/**
 * Express middleware for /graphql: spends from the caller's budget in the operation guard (its
 * user's when signed in, else its IP's, the same budget as over WebSocket). Over budget: HTTP 429,
 * `Retry-After`, and a GraphQL error RATE_LIMITED with `extensions.retryAfterSeconds`, before the
 * body is even parsed.
 */
export function rateLimitMiddleware(guard: Admission, identify: IdentifyCaller): RequestHandler {
  return async (req, res, next) => {
    if (req.method === 'OPTIONS') return next();
    const userId = identify(req);
    const refusal = await guard.admit({ userId, address: req.ip ?? 'unknown' });
    if (!refusal) return next();
    res.locals.errorCode = 'RATE_LIMITED'; // for the request's log line and metrics
    const retryAfterSeconds = refusal.extensions.retryAfterSeconds as number;
    res.status(429).setHeader('Retry-After', String(retryAfterSeconds));
    res.json({ errors: [refusal.localized(currentLocale())] });
  };
}
