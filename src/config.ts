import { randomBytes } from 'node:crypto';
import path from 'node:path';

export interface Config {
  env: 'production' | 'development' | 'test';
  port: number;
  /** PostgreSQL URL; undefined means the embedded PGlite store under `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  jwtSecret: string;
  jwtExpiresIn: string;
  adminEmail: string;
  adminPassword: string;
  logLevel: string;
  bcryptRounds: number;
  /** Seed the demo data when the embedded database is empty on start-up. */
  seedOnEmpty: boolean;
  publicUrl: string;
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
  const port = Number(env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number, got ${env.PORT}`);
  return {
    env: nodeEnv,
    port,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.DATA_DIR ?? '.data'),
    jwtSecret: env.JWT_SECRET ?? randomBytes(32).toString('hex'),
    jwtExpiresIn: env.JWT_EXPIRES_IN ?? '7d',
    adminEmail: (env.ADMIN_EMAIL ?? 'admin@example.org').toLowerCase(),
    adminPassword: env.ADMIN_PASSWORD ?? 'admin-demo-2026',
    logLevel: env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    bcryptRounds: Number(env.BCRYPT_ROUNDS ?? (nodeEnv === 'test' ? 4 : 10)),
    seedOnEmpty: env.SEED_ON_EMPTY ? env.SEED_ON_EMPTY === 'true' : !env.DATABASE_URL,
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/$/, ''),
  };
}

/** Names of the secrets that were generated rather than configured, so the caller can warn. */
export function generatedSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  return ['JWT_SECRET', 'ADMIN_PASSWORD'].filter((k) => !env[k]);
}
