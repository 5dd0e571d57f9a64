import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { UnauthenticatedError } from '../errors';
import type { Viewer } from '../context';
import { requestScope } from '../db/query-counter';
import { nowMs } from '../common/clock';
import { msg } from '../i18n/messages';

/** The HMAC key object per secret: building one on every verify costs more CPU than the rest of a small request. */
const keys = new Map<string, KeyObject>();
function keyOf(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = createSecretKey(Buffer.from(secret, 'utf8'))));
  return key;
}

/** `ver` is the user's token version at issue; changePassword and logOutEverywhere bump it. */
export function issueToken(config: Config, userId: string, tokenVersion: number): string {
  // Issued at the server's clock (common/clock.ts), so tests can move a token to its expiry.
  return jwt.sign({ ver: tokenVersion, iat: Math.floor(nowMs() / 1000) }, keyOf(config.jwtSecret), {
    subject: userId,
    expiresIn: config.jwtExpiresIn as jwt.SignOptions['expiresIn'],
    algorithm: 'HS256',
  });
}

interface Verified {
  userId: string;
  expiresAt: number;
  /** Tokens issued before versions existed carry none: they count as version 0. */
  version: number;
}

/**
 * Tokens already verified, per secret: their subject, expiry and version. A client sends the same
 * token with every request, and checking its signature each time is a measurable part of a request.
 * Bounded: emptied when full. Whether the version is still current is asked separately
 * (`currentTokenVersion`), since that changes while the signature does not.
 */
const verified = new Map<string, Map<string, Verified>>();
const VERIFIED_MAX = 10_000;

const expiredError = () => new UnauthenticatedError(msg('auth.sessionExpired'));
const endedError = () => new UnauthenticatedError(msg('auth.sessionEnded'));

type Checked = { ok: true; token: Verified } | { ok: false; viewer: Viewer };

/** Signature and expiry of `Authorization: Bearer <token>`, memoised. */
function checkSignature(config: Config, header: string | undefined): Checked {
  if (!header) return { ok: false, viewer: { userId: null, authError: null } };
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) return { ok: false, viewer: { userId: null, authError: new UnauthenticatedError(msg('auth.bearerFormat')) } };
  const token = match[1];
  let known = verified.get(config.jwtSecret);
  if (!known) verified.set(config.jwtSecret, (known = new Map()));
  const hit = known.get(token);
  if (hit) return hit.expiresAt > nowMs() ? { ok: true, token: hit } : { ok: false, viewer: { userId: null, authError: expiredError() } };
  try {
    const payload = jwt.verify(token, keyOf(config.jwtSecret), { algorithms: ['HS256'], clockTimestamp: Math.floor(nowMs() / 1000) });
    if (typeof payload === 'string' || !payload.sub) throw new Error('no subject');
    // jsonwebtoken refuses a token at its `exp` second; so does the cache.
    const expiresAt = typeof payload.exp === 'number' ? payload.exp * 1000 : Infinity;
    const version = Number.isInteger(payload.ver) ? (payload.ver as number) : 0;
    if (known.size >= VERIFIED_MAX) known.clear();
    const entry = { userId: payload.sub, expiresAt, version };
    known.set(token, entry);
    return { ok: true, token: entry };
  } catch (error) {
    return { ok: false, viewer: { userId: null, authError: error instanceof jwt.TokenExpiredError ? expiredError() : new UnauthenticatedError(msg('auth.invalidToken')) } };
  }
}

/**
 * Who a token names, from its signature alone (no database): for the rate limiter's budget key.
 * A token ended by logOutEverywhere still names its user here; `authenticate` refuses it.
 */
export function viewerFromHeader(config: Config, header: string | undefined): Viewer {
  const checked = checkSignature(config, header);
  return checked.ok ? { userId: checked.token.userId, authError: null } : checked.viewer;
}

/**
 * The viewer of a request or WebSocket operation: a valid signature, and a version that is still
 * the user's current one (a deleted user has none). Never throws: a refused token is kept as the
 * reason, thrown by the first resolver that needs a user.
 */
export async function authenticate(db: DataSource, config: Config, header: string | undefined): Promise<Viewer> {
  const checked = checkSignature(config, header);
  if (!checked.ok) return checked.viewer;
  const current = await currentTokenVersion(db, config, checked.token.userId);
  if (current === null || current !== checked.token.version) return { userId: null, authError: endedError() };
  return { userId: checked.token.userId, authError: null };
}

/** A token with a valid signature whose session has since ended (its version is no longer current). */
export async function sessionEnded(db: DataSource, config: Config, header: string | undefined): Promise<boolean> {
  if (!header) return false;
  const checked = checkSignature(config, header);
  return checked.ok && (await currentTokenVersion(db, config, checked.token.userId)) !== checked.token.version;
}

/**
 * The users' current token versions, per database (each DataSource: one per process, or per app in
 * tests), each read at most once per `tokenVersionCacheMs`. That is the staleness bound: a token
 * ended by another process keeps working here for at most that long; in the process that ended it,
 * not at all (`rememberTokenVersion`). Bounded: emptied when full.
 */
const versions = new WeakMap<DataSource, Map<string, { version: number | null; readAt: number }>>();
const VERSIONS_MAX = 10_000;

function versionsOf(db: DataSource) {
  let cache = versions.get(db);
  if (!cache) versions.set(db, (cache = new Map()));
  return cache;
}

async function currentTokenVersion(db: DataSource, config: Config, userId: string): Promise<number | null> {
  const cache = versionsOf(db);
  const hit = cache.get(userId);
  if (hit && nowMs() - hit.readAt < config.tokenVersionCacheMs) return hit.version;
  // Outside the request's statement count (x-sql-statements): it is authentication, at most once per
  // user per cache period, not the request's own work whose growth the count is there to catch.
  const rows: { token_version: number }[] = await requestScope.exit(() => db.query(`SELECT token_version FROM app_user WHERE id = $1`, [userId]));
  const version = rows[0]?.token_version ?? null;
  if (cache.size >= VERSIONS_MAX) cache.clear();
  cache.set(userId, { version, readAt: nowMs() });
  return version;
}

/** After this process bumped a user's version: its own cache knows at once. */
export function rememberTokenVersion(db: DataSource, userId: string, version: number): void {
  versionsOf(db).set(userId, { version, readAt: nowMs() });
}

/**
 * Another process ended a user's sessions (an erased account, heard through PostgreSQL): the next
 * request of theirs here reads the version again, instead of trusting the cache for its period.
 */
export function forgetTokenVersion(db: DataSource, userId: string): void {
  versionsOf(db).delete(userId);
}
