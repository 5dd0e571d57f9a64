import type { RequestHandler } from 'express';
import { viewerFromHeader } from '../auth/tokens';
import type { Config } from '../config';
import { RateLimitedError } from '../errors';

export type Take = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Fixed-window counters in this process's memory: each key may spend `limit` requests per window.
 * With N server processes a client can get up to N x the limit (see docs/operations.md); counting
 * in PostgreSQL would cost a write per request, which is not worth it for abuse protection.
 */
export class FixedWindowLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private nextSweep = 0;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string, limit: number): Take {
    const now = this.now();
    if (now >= this.nextSweep) this.sweep(now);
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, window);
    }
    if (window.count >= limit) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - now) / 1000)) };
    window.count++;
    return { ok: true };
  }

  /** Forgets ended windows once per window, so memory stays bounded by the clients of one window. */
  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
    this.nextSweep = now + this.windowMs;
  }
}

/**
 * Express middleware for /graphql: a signed-in caller spends from its user's budget, anyone else
 * from its IP's. Over budget: HTTP 429, `Retry-After`, and a GraphQL error RATE_LIMITED with
 * `extensions.retryAfterSeconds`, before the body is even parsed.
 */
export function rateLimitMiddleware(config: Config): RequestHandler {
  const { perUser, perIp, windowMs } = config.rateLimit;
  const limiter = new FixedWindowLimiter(windowMs);
  return (req, res, next) => {
    if (req.method === 'OPTIONS') return next();
    const userId = viewerFromHeader(config, req.header('authorization')).userId;
    const [key, limit] = userId ? [`user:${userId}`, perUser] : [`ip:${req.ip ?? 'unknown'}`, perIp];
    if (limit <= 0) return next();
    const taken = limiter.take(key, limit);
    if (taken.ok) return next();
    res.locals.errorCode = 'RATE_LIMITED'; // for the request's log line and metrics
    const error = new RateLimitedError(taken.retryAfterSeconds);
    res.status(429).setHeader('Retry-After', String(taken.retryAfterSeconds));
    res.json({ errors: [{ message: error.message, extensions: error.extensions }] });
  };
}
