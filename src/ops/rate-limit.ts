import type { Request, RequestHandler } from 'express';
import { nowMs } from '../common/clock';
import type { AppError } from '../errors';
import { currentLocale } from '../i18n/locale';

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
    private readonly now: () => number = nowMs,
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
 * Express middleware for /graphql: spends from the caller's budget in the operation guard (its
 * user's when signed in, else its IP's, the same budget as over WebSocket). Over budget: HTTP 429,
 * `Retry-After`, and a GraphQL error RATE_LIMITED with `extensions.retryAfterSeconds`, before the
 * body is even parsed.
 */
/** What the middleware needs of the operation guard (named here, so that the two files do not import each other). */
export interface Admission {
  admit(caller: { userId: string | null; address: string }): AppError | null;
}

/**
 * Who sends a request, from its signature alone (no database): the user's id, or null when
 * anonymous. Provided by the app (auth's tokens) when it composes the middlewares, so that ops/ knows
 * no domain.
 */
export type IdentifyCaller = (req: Request) => string | null;

export function rateLimitMiddleware(guard: Admission, identify: IdentifyCaller): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'OPTIONS') return next();
    const userId = identify(req);
    const refusal = guard.admit({ userId, address: req.ip ?? 'unknown' });
    if (!refusal) return next();
    res.locals.errorCode = 'RATE_LIMITED'; // for the request's log line and metrics
    const retryAfterSeconds = refusal.extensions.retryAfterSeconds as number;
    res.status(429).setHeader('Retry-After', String(retryAfterSeconds));
    res.json({ errors: [refusal.localized(currentLocale())] });
  };
}
