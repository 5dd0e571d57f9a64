import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Config } from '../config';
import { UnauthenticatedError } from '../errors';
import type { Viewer } from '../context';

/** The HMAC key object per secret: building one on every verify costs more CPU than the rest of a small request. */
const keys = new Map<string, KeyObject>();
function keyOf(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = createSecretKey(Buffer.from(secret, 'utf8'))));
  return key;
}

export function issueToken(config: Config, userId: string): string {
  return jwt.sign({}, keyOf(config.jwtSecret), { subject: userId, expiresIn: config.jwtExpiresIn as jwt.SignOptions['expiresIn'], algorithm: 'HS256' });
}

/**
 * Tokens already verified, per secret: their subject and expiry. A client sends the same token
 * with every request, and checking its signature each time is a measurable part of a request.
 * Bounded: emptied when full.
 */
const verified = new Map<string, Map<string, { userId: string; expiresAt: number }>>();
const VERIFIED_MAX = 10_000;

const expiredError = () => new UnauthenticatedError('Your session has expired; log in again');

/** Reads `Authorization: Bearer <token>`; a refused token is kept as the reason, not thrown yet. */
export function viewerFromHeader(config: Config, header: string | undefined): Viewer {
  if (!header) return { userId: null, authError: null };
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) return { userId: null, authError: new UnauthenticatedError('Authorization header must be "Bearer <token>"') };
  const token = match[1];
  let known = verified.get(config.jwtSecret);
  if (!known) verified.set(config.jwtSecret, (known = new Map()));
  const hit = known.get(token);
  if (hit) return hit.expiresAt > Date.now() ? { userId: hit.userId, authError: null } : { userId: null, authError: expiredError() };
  try {
    const payload = jwt.verify(token, keyOf(config.jwtSecret), { algorithms: ['HS256'] });
    if (typeof payload === 'string' || !payload.sub) throw new Error('no subject');
    // jsonwebtoken refuses a token at its `exp` second; so does the cache.
    const expiresAt = typeof payload.exp === 'number' ? payload.exp * 1000 : Infinity;
    if (known.size >= VERIFIED_MAX) known.clear();
    known.set(token, { userId: payload.sub, expiresAt });
    return { userId: payload.sub, authError: null };
  } catch (error) {
    return { userId: null, authError: error instanceof jwt.TokenExpiredError ? expiredError() : new UnauthenticatedError('Invalid token') };
  }
}
