import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { logFormatFrom, type LogFormat } from './logger';
import { estimate, passwordWeakness } from './common/secret-strength';
import { t } from './i18n/messages';

export interface Config {
  env: 'production' | 'development' | 'test';
  port: number;
  /** PostgreSQL URL; undefined means the embedded PGlite store under `dataDir`. */
  databaseUrl?: string;
  /** Where the live events' LISTEN connection goes: a direct session (never a transaction-mode pooler); DATABASE_URL unless set. */
  databaseListenUrl?: string;
  /**
   * How DATABASE_URL pools server connections: `session` (direct, or a session-mode pooler) or
   * `transaction` (PgBouncer in transaction mode: no startup parameters, no session state).
   */
  databasePoolMode: 'session' | 'transaction';
  dataDir: string;
  /** A streaming replica of `databaseUrl` for the heavy reads (db/replica.ts); PostgreSQL only. */
  databaseReplicaUrl?: string;
  /** Milliseconds the replica may be behind before reads fall back to the primary. */
  replicaMaxLagMs: number;
  /** How often each process asks the replica how far it has replayed. */
  replicaPollMs: number;
  jwtSecret: string;
  jwtExpiresIn: string;
  adminEmail: string;
  adminPassword: string;
  logLevel: string;
  /** `json` lines, or `pretty` for a terminal (default: pretty in development at a TTY). */
  logFormat: LogFormat;
  bcryptRounds: number;
  /** Seed the demo data when the embedded database is empty on start-up. */
  seedOnEmpty: boolean;
  publicUrl: string;
  /** Express `trust proxy`: which peers may set X-Forwarded-For (the client IP for rate limits and logs); none by default. */
  trustProxy: boolean | number | string;
  /** Largest accepted request body, in bytes or a size such as `1mb`. */
  bodyLimit: string;
  /** bodyLimit in bytes: also the largest WebSocket message. */
  bodyLimitBytes: number;
  /** Milliseconds a SQL statement may run before PostgreSQL cancels it. */
  dbStatementTimeoutMs: number;
  dbPoolSize: number;
  /**
   * Connections each pool keeps open however long idle, and how long one above that stays idle
   * before it closes. A new connection's first statements pay for its caches (the tables' catalog
   * entries, pg_trgm loaded, regular expressions compiled, each prepared statement planned): about
   * 25 ms on a suggestions list, which closing connections after pg's 10 s default put back on the
   * first requests after every quiet moment.
   */
  dbPoolMin: number;
  dbPoolIdleMs: number;
  /** Repeated list reads as named prepared statements (off behind a pooler that cannot keep them, e.g. PgBouncer in transaction mode before 1.21). */
  dbPreparedStatements: boolean;
  /** `DB_PREPARED_STATEMENTS=strict`: never fall back to unnamed statements when the server loses one (surfaces the error). */
  dbPreparedStatementsStrict: boolean;
  /** Introspection and the Apollo landing page: on outside production unless configured. */
  introspection: boolean;
  landingPage: boolean;
  /** Origins allowed by CORS: `'*'` for any, or a list (empty: no CORS headers). */
  corsOrigins: '*' | string[];
  /** What one operation may ask for, over any transport (src/ops/operation-guard.ts). */
  limits: {
    maxDepth: number;
    maxCost: number;
    maxAliases: number;
    maxDirectives: number;
    maxTokens: number;
  };
  /**
   * Requests per window per signed-in user and per anonymous client IP; 0 disables the limiter.
   * Counted for all processes together in Redis (`redisUrl`) or else PostgreSQL (ops/rate-limit.ts).
   */
  rateLimit: {
    perUser: number;
    perIp: number;
    windowMs: number;
    /** REDIS_URL: where the budgets are counted when set (else PostgreSQL; the embedded store counts in memory). */
    redisUrl?: string;
    /** Prefix of every Redis key, so that deployments (or test runs) can share one Redis. */
    redisKeyPrefix: string;
    /** How long an operation waits for the store before it is counted in this process's memory instead. */
    storeTimeoutMs: number;
  };
  /** On SIGTERM, how long /readyz answers 503 while requests are still served, before draining. */
  shutdownDelayMs: number;
  /**
   * How long this process trusts a user's token version it has read: a token ended in another
   * process (logOutEverywhere, changePassword) keeps working here for at most this long.
   */
  tokenVersionCacheMs: number;
  /**
   * How many service-hours summary buckets this process keeps to answer again while nothing under
   * them has changed (service-hours/summary-cache.ts); 0 computes every summary.
   */
  summaryCacheBuckets: number;
  /**
   * Serialize every String, Int, Float, Boolean, ID and enum value of an answer again and fail the
   * field where that changes it (common/leaf-values.ts): on under NODE_ENV=test, off otherwise.
   */
  checkLeafValues: boolean;
  /** Responses made from kept answers this long or longer are also kept gzip-compressed, for clients that accept gzip (ops/apollo-express.ts); 0: never. */
  keptAnswerGzipMinBytes: number;
  /**
   * Failed logins before each further one makes the next attempt wait (1 s, doubling, at most 15
   * min), per account e-mail and per client address; see auth/login-throttle.ts.
   */
  loginThrottle: {
    perAccount: number;
    perAddress: number;
  };
  /** Default validity, in days, of signed page links (`/p/<token>`); a creator may ask for 1 to 90 (certificate) or 366 (board). */
  signedLinks: {
    certificateDays: number;
    boardDays: number;
  };
  /** When set, GET /metrics requires `Authorization: Bearer <metricsToken>`; unset in production, /metrics answers 404. */
  metricsToken?: string;
  /** How long a retry with an Idempotency-Key waits for the first request still running, before 409. */
  idempotencyWaitMs: number;
  /**
   * Limited retention (PIPL Art. 19; docs/personal-data.md "Retention"): what the retention job
   * (src/privacy/retention.ts) deletes, and how often it runs (0: never).
   */
  retention: {
    /** Read notifications, this many days after they were read. */
    readNotificationDays: number;
    /** Idempotency keys, this many hours after they were created (they replay for 24 hours). */
    idempotencyKeyHours: number;
    /** Signed links, this many days after they expired (until then opening one says "expired", not "unknown"). */
    expiredLinkDays: number;
    everyMs: number;
  };
}

export class ConfigError extends Error {}

/** Reads configuration from the environment; refuses to run production without its secrets. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const nodeEnv = env.NODE_ENV === 'production' ? 'production' : env.NODE_ENV === 'test' ? 'test' : 'development';
  const production = nodeEnv === 'production';
  const missing = production
    ? ['JWT_SECRET', 'ADMIN_EMAIL', 'ADMIN_PASSWORD', 'DATABASE_URL'].filter((k) => !env[k])
    : [];
  if (missing.length) throw new ConfigError(`missing required configuration in production: ${missing.join(', ')}`);
  if (production && env.JWT_SECRET!.length < 32) throw new ConfigError('JWT_SECRET must be at least 32 characters in production');
  if (env.DATABASE_REPLICA_URL && !env.DATABASE_URL) throw new ConfigError('DATABASE_REPLICA_URL needs DATABASE_URL (the embedded store has no replica)');
  if (production) refuseWeakSecrets(env.JWT_SECRET!, env.ADMIN_PASSWORD!, env.ADMIN_EMAIL!);
  const port = Number(env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number, got ${env.PORT}`);
  return {
    env: nodeEnv,
    port,
    databaseUrl: env.DATABASE_URL || undefined,
    databaseListenUrl: env.DATABASE_LISTEN_URL || env.DATABASE_URL || undefined,
    databasePoolMode: poolMode(env.DATABASE_POOL_MODE),
    dataDir: path.resolve(env.DATA_DIR ?? '.data'),
    databaseReplicaUrl: env.DATABASE_REPLICA_URL || undefined,
    replicaMaxLagMs: int(env, 'REPLICA_MAX_LAG_MS', 5_000, 0),
    replicaPollMs: int(env, 'REPLICA_POLL_MS', 200, 10),
    jwtSecret: env.JWT_SECRET ?? randomBytes(32).toString('hex'),
    jwtExpiresIn: env.JWT_EXPIRES_IN ?? '7d',
    adminEmail: (env.ADMIN_EMAIL ?? 'admin@example.org').toLowerCase(),
    adminPassword: env.ADMIN_PASSWORD ?? 'admin-demo-2026',
    logLevel: env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    logFormat: logFormatFrom(env, nodeEnv),
    bcryptRounds: Number(env.BCRYPT_ROUNDS ?? (nodeEnv === 'test' ? 4 : 10)),
    seedOnEmpty: env.SEED_ON_EMPTY ? env.SEED_ON_EMPTY === 'true' : !env.DATABASE_URL,
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/$/, ''),
    trustProxy: trustProxy(env.TRUST_PROXY),
    bodyLimit: size(env, 'BODY_LIMIT', '1mb'),
    bodyLimitBytes: bytes(size(env, 'BODY_LIMIT', '1mb')),
    dbStatementTimeoutMs: int(env, 'DB_STATEMENT_TIMEOUT_MS', 15_000, 0),
    dbPoolSize: int(env, 'DB_POOL_SIZE', 20, 1),
    dbPoolMin: Math.min(int(env, 'DB_POOL_MIN', 2, 0), int(env, 'DB_POOL_SIZE', 20, 1)),
    dbPoolIdleMs: int(env, 'DB_POOL_IDLE_MS', 300_000, 1_000),
    // Transaction pooling implies no named statements (PgBouncer before 1.21 cannot keep them); set true for 1.21+ with max_prepared_statements.
    dbPreparedStatements: env.DB_PREPARED_STATEMENTS?.toLowerCase() === 'strict' || flag(env, 'DB_PREPARED_STATEMENTS', poolMode(env.DATABASE_POOL_MODE) !== 'transaction'),
    dbPreparedStatementsStrict: env.DB_PREPARED_STATEMENTS?.toLowerCase() === 'strict',
    introspection: flag(env, 'GRAPHQL_INTROSPECTION', !production),
    landingPage: flag(env, 'GRAPHQL_LANDING_PAGE', !production),
    corsOrigins: corsOrigins(env.CORS_ORIGINS, production),
    limits: {
      maxDepth: int(env, 'GRAPHQL_MAX_DEPTH', 10, 1),
      maxCost: int(env, 'GRAPHQL_MAX_COST', 10_000, 1),
      maxAliases: int(env, 'GRAPHQL_MAX_ALIASES', 30, 0),
      maxDirectives: int(env, 'GRAPHQL_MAX_DIRECTIVES', 50, 0),
      maxTokens: int(env, 'GRAPHQL_MAX_TOKENS', 5_000, 1),
    },
    rateLimit: rateLimit(env, nodeEnv),
    metricsToken: env.METRICS_TOKEN || undefined,
    tokenVersionCacheMs: int(env, 'TOKEN_VERSION_CACHE_MS', 5_000, 0),
    summaryCacheBuckets: int(env, 'SUMMARY_CACHE_BUCKETS', 100_000, 0),
    keptAnswerGzipMinBytes: int(env, 'KEPT_ANSWER_GZIP_MIN_BYTES', 16_384, 0),
    checkLeafValues: flag(env, 'GRAPHQL_CHECK_LEAVES', nodeEnv === 'test'),
    loginThrottle: {
      perAccount: int(env, 'LOGIN_FAILURES_PER_ACCOUNT', 5, 1),
      perAddress: int(env, 'LOGIN_FAILURES_PER_ADDRESS', 20, 1),
    },
    signedLinks: {
      certificateDays: bounded(env, 'SIGNED_LINK_CERTIFICATE_DAYS', 7, 1, 90),
      boardDays: bounded(env, 'SIGNED_LINK_BOARD_DAYS', 30, 1, 366),
    },
    shutdownDelayMs: int(env, 'SHUTDOWN_DELAY_MS', 0, 0),
    retention: {
      readNotificationDays: int(env, 'RETENTION_READ_NOTIFICATION_DAYS', 90, 1),
      idempotencyKeyHours: int(env, 'RETENTION_IDEMPOTENCY_KEY_HOURS', 24, 24),
      expiredLinkDays: int(env, 'RETENTION_EXPIRED_LINK_DAYS', 30, 0),
      everyMs: int(env, 'RETENTION_EVERY_MS', 60 * 60_000, 0),
    },
    idempotencyWaitMs: int(env, 'IDEMPOTENCY_WAIT_MS', 20_000, 0),
  };
}

/**
 * Production refuses secrets an attacker could guess: the JWT secret signs every token (guessing it
 * offline forges any account, the admin's included), and the admin password opens everything. The
 * estimate is zxcvbn's: a JWT secret needs 10^16 guesses (32 random hex characters give 10^32;
 * 'x' repeated 32 times, 10^3); the admin password the policy every new password meets.
 */
function refuseWeakSecrets(jwtSecret: string, adminPassword: string, adminEmail: string): void {
  // .env.example's placeholders look strong to an estimator, yet are published.
  for (const [name, value] of [['JWT_SECRET', jwtSecret], ['ADMIN_PASSWORD', adminPassword]]) {
    if (/^change-me/i.test(value)) throw new ConfigError(`${name} is still the placeholder of .env.example; set your own`);
  }
  if (estimate(jwtSecret).guessesLog10 < 16) {
    throw new ConfigError('JWT_SECRET is too easy to guess (repeats, sequences or words); use 32 or more random characters, e.g. `openssl rand -hex 32`');
  }
  const weakness = passwordWeakness(adminPassword, [adminEmail]);
  if (weakness) throw new ConfigError(`ADMIN_PASSWORD ${t('en', weakness.id, weakness.values)}`);
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ConfigError(`${name} must be an integer >= ${min}, got ${raw}`);
  return value;
}

function bounded(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const value = int(env, name, fallback, min);
  if (value > max) throw new ConfigError(`${name} must be an integer <= ${max}, got ${value}`);
  return value;
}

function size(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+(\.\d+)?\s*(b|kb|mb)?$/i.test(raw)) throw new ConfigError(`${name} must be a size such as 512kb or 1mb, got ${raw}`);
  return raw;
}

function poolMode(raw: string | undefined): 'session' | 'transaction' {
  const mode = (raw ?? '').toLowerCase() || 'session';
  if (mode !== 'session' && mode !== 'transaction') throw new ConfigError(`DATABASE_POOL_MODE must be session or transaction, got ${raw}`);
  return mode;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be true or false, got ${env[name]}`);
}

/** 1mb, 512kb, 100 as body-parser reads them (1024 per unit, rounded down). */
function bytes(limit: string): number {
  const [, amount, unit] = /^(\d+(?:\.\d+)?)\s*(b|kb|mb)?$/i.exec(limit)!;
  return Math.floor(Number(amount) * ({ b: 1, kb: 1024, mb: 1024 * 1024 }[(unit ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb']));
}

/**
 * No proxy is trusted unless named: any peer, even on loopback or the container network, could
 * otherwise name itself a new client in X-Forwarded-For on every request and never be rate limited.
 */
function trustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === '') return false;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return /^\d+$/.test(raw) ? Number(raw) : raw;
}

function corsOrigins(raw: string | undefined, production: boolean): '*' | string[] {
  if (raw === undefined) return production ? [] : '*';
  const list = raw.split(',').map((o) => o.trim().replace(/\/$/, '')).filter(Boolean);
  return list.includes('*') ? '*' : list;
}

/** In tests the limiter is off unless a test configures it, so concurrency tests are not throttled. */
function rateLimit(env: NodeJS.ProcessEnv, nodeEnv: Config['env']): Config['rateLimit'] {
  const perUser = int(env, 'RATE_LIMIT_PER_MINUTE', nodeEnv === 'test' ? 0 : 600, 0);
  return {
    perUser,
    perIp: int(env, 'RATE_LIMIT_ANONYMOUS_PER_MINUTE', Math.ceil(perUser / 2), 0),
    windowMs: int(env, 'RATE_LIMIT_WINDOW_MS', 60_000, 1),
    redisUrl: env.REDIS_URL || undefined,
    redisKeyPrefix: env.REDIS_KEY_PREFIX ?? 'marketplace:',
    storeTimeoutMs: int(env, 'RATE_LIMIT_STORE_TIMEOUT_MS', 1_000, 1),
  };
}

/** Names of the secrets that were generated rather than configured, so the caller can warn. */
export function generatedSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  return ['JWT_SECRET', 'ADMIN_PASSWORD'].filter((k) => !env[k]);
}
