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

/** Reads `Authorization: Bearer <token>`; a refused token is kept as the reason, not thrown yet. */
export function viewerFromHeader(config: Config, header: string | undefined): Viewer {
  if (!header) return { userId: null, authError: null };
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) return { userId: null, authError: new UnauthenticatedError('Authorization header must be "Bearer <token>"') };
  try {
    const payload = jwt.verify(match[1], keyOf(config.jwtSecret), { algorithms: ['HS256'] });
    if (typeof payload === 'string' || !payload.sub) throw new Error('no subject');
    return { userId: payload.sub, authError: null };
  } catch (error) {
    const expired = error instanceof jwt.TokenExpiredError;
    return { userId: null, authError: new UnauthenticatedError(expired ? 'Your session has expired; log in again' : 'Invalid token') };
  }
}
