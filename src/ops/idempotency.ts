import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { getOperationAST, parse } from 'graphql';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { nowMs as clockNowMs } from '../common/clock';
import type { Config } from '../config';
import { AppError, BadUserInputError, ConflictError } from '../errors';
import { currentLocale } from '../i18n/locale';
import { msg } from '../i18n/messages';
import type { IdentifyCaller } from './rate-limit';

/**
 * Idempotency keys for mutations, the Stripe convention: a signed-in caller sends
 * `Idempotency-Key: <its own unique string>` with a mutation; the first answer is kept in the
 * database (table idempotency_key) for 24 hours, and the same user sending the same key with the
 * same request gets that answer again (header `Idempotent-Replayed: true`) without it running again,
 * from any server process. So a phone that lost the answer to `bookSlot` retries safely.
 *
 * - The same key with another request (query, operation name or variables differ): HTTP 422,
 *   BAD_USER_INPUT naming the header; nothing runs.
 * - A duplicate arriving while the first still runs waits for it (polling the row: a blocking row
 *   lock would hold a connection, and the embedded store has one) and then replays its answer; after
 *   IDEMPOTENCY_WAIT_MS (20 s) still running: HTTP 409 CONFLICT "in progress" with retryAfterSeconds.
 * - Answers that decided something are kept, errors included (BAD_USER_INPUT, CONFLICT, FORBIDDEN...).
 *   Not kept, so a retry runs again: answers where nothing ran or the outcome is unknown (HTTP 5xx,
 *   INTERNAL_SERVER_ERROR, SERVICE_UNAVAILABLE, UNAUTHENTICATED, RATE_LIMITED, requests refused before execution).
 * - Queries and subscriptions ignore the header, and so do anonymous requests (signUp and logIn: a
 *   key by IP would be shared behind NAT and lost when a phone changes network; a repeated signUp is
 *   refused anyway). The header is checked even then: 1 to 255 visible ASCII characters.
 * - If a process dies between running a mutation and storing its answer, the key stays claimed for
 *   LEASE_MS; a retry after that runs the mutation again.
 */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** How long a claim may stay without an answer before another request may take the key over. */
const LEASE_MS = 60_000;
const PURGE_EVERY_MS = 10 * 60 * 1000;
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

/** Codes that mean "nothing was decided": the answer is not kept, a retry runs again. */
const NOT_KEPT = new Set(['INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE', 'UNAUTHENTICATED', 'RATE_LIMITED']);

interface StoredKey {
  request_hash: string;
  response_status: number | null;
  response_body: string | null;
}

/** `identify`: the caller's user id from the request (the app's, see IdentifyCaller); keys are per user. */
export function idempotencyMiddleware(deps: { db: DataSource; config: Config; log: Logger; identify: IdentifyCaller }): RequestHandler {
  const { db, config, log, identify } = deps;
  let nextPurge = 0;

  const purge = (nowMs: number) => {
    if (nowMs < nextPurge) return;
    nextPurge = nowMs + PURGE_EVERY_MS;
    db.query(`DELETE FROM idempotency_key WHERE created_at < $1`, [new Date(nowMs - IDEMPOTENCY_TTL_MS)]).catch((err) =>
      log.warn({ err }, 'idempotency: purge of expired keys failed'),
    );
  };

  /** Claims the key (new, expired, or abandoned); returns the claim's instant, or null when someone else holds it. */
  const claim = async (userId: string, key: string, hash: string): Promise<Date | null> => {
    const nowMs = clockNowMs(); // the server's clock (common/clock.ts), as for every time limit
    const at = new Date(nowMs);
    purge(nowMs);
    const rows: unknown[] = await db.query(
      `INSERT INTO idempotency_key (user_id, key, request_hash, created_at, locked_at)
       VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (user_id, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, created_at = EXCLUDED.created_at, locked_at = EXCLUDED.locked_at,
             response_status = NULL, response_body = NULL
         WHERE idempotency_key.created_at < $5
            OR (idempotency_key.response_status IS NULL AND idempotency_key.locked_at < $6
                AND idempotency_key.request_hash = EXCLUDED.request_hash)
       RETURNING 1`,
      [userId, key, hash, at, new Date(nowMs - IDEMPOTENCY_TTL_MS), new Date(nowMs - LEASE_MS)],
    );
    return rows.length ? at : null;
  };

  const stored = async (userId: string, key: string): Promise<StoredKey | null> => {
    const rows: StoredKey[] = await db.query(
      `SELECT request_hash, response_status, response_body FROM idempotency_key WHERE user_id = $1 AND key = $2 AND created_at >= $3`,
      [userId, key, new Date(clockNowMs() - IDEMPOTENCY_TTL_MS)],
    );
    return rows[0] ?? null;
  };

  /** Runs the request, keeps its answer before it leaves (or gives the key up when the answer is not kept). */
  const runAndKeep = (req: Request, res: Response, next: () => void, userId: string, key: string, claimedAt: Date) => {
    let settled = false;
    const release = () =>
      db
        .query(`DELETE FROM idempotency_key WHERE user_id = $1 AND key = $2 AND locked_at = $3 AND response_status IS NULL`, [userId, key, claimedAt])
        .catch((err) => log.warn({ err }, 'idempotency: releasing a key failed'));
    const send = res.send.bind(res);
    res.send = (body?: unknown) => {
      if (settled) return send(body);
      settled = true;
      const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : null;
      const keep = text !== null && keepable(res.statusCode, text);
      const done = keep
        ? db
            .query(
              `UPDATE idempotency_key SET response_status = $4, response_body = $5, locked_at = NULL
               WHERE user_id = $1 AND key = $2 AND locked_at = $3`,
              [userId, key, claimedAt, res.statusCode, text],
            )
            .catch((err) => log.warn({ err }, 'idempotency: storing an answer failed'))
        : release();
      // The answer leaves once it is stored: a client that has it can count on its replay.
      void done.finally(() => send(body));
      return res;
    };
    // Streamed (incremental) answers and aborted requests are not kept.
    res.on('close', () => {
      if (!settled) {
        settled = true;
        void release();
      }
    });
    next();
  };

  return async (req, res, next) => {
    const key = req.header('idempotency-key');
    if (key === undefined || req.method !== 'POST') return next();
    if (!KEY_FORMAT.test(key)) {
      return refuse(res, 400, BadUserInputError.field('Idempotency-Key', msg('ops.idempotencyKeyFormat')));
    }
    if (!isMutation(req.body)) return next();
    const userId = identify(req);
    if (!userId) return next();
    const hash = requestHash(req.body);
    try {
      const deadline = performance.now() + config.idempotencyWaitMs;
      for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
        const claimedAt = await claim(userId, key, hash);
        if (claimedAt) return runAndKeep(req, res, next, userId, key, claimedAt);
        const row = await stored(userId, key);
        if (row && row.request_hash !== hash) {
          return refuse(res, 422, BadUserInputError.field('Idempotency-Key', msg('ops.idempotencyKeyReused')));
        }
        if (row && row.response_status !== null) {
          res.status(row.response_status).setHeader('Idempotent-Replayed', 'true');
          res.type('application/json').send(row.response_body ?? '');
          return;
        }
        if (performance.now() + pause > deadline) {
          return refuse(res, 409, new ConflictError(msg('ops.idempotencyInProgress'), { retryAfterSeconds: 1 }), 1);
        }
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    } catch (error) {
      next(error);
    }
  };
}

function refuse(res: Response, status: number, error: AppError, retryAfterSeconds?: number) {
  res.locals.errorCode = error.code; // for the request's log line and metrics
  if (retryAfterSeconds) res.setHeader('Retry-After', String(retryAfterSeconds));
  res.status(status).json({ errors: [error.localized(currentLocale())] });
}

/** A single (not batched) request whose selected operation is a mutation. */
function isMutation(body: unknown): body is { query: string; operationName?: string; variables?: unknown } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
  const { query, operationName } = body as { query?: unknown; operationName?: unknown };
  if (typeof query !== 'string') return false;
  try {
    const operation = getOperationAST(parse(query), typeof operationName === 'string' ? operationName : undefined);
    return operation?.operation === 'mutation';
  } catch {
    return false; // GraphQL answers the syntax error itself
  }
}

export function requestHash(body: { query: string; operationName?: unknown; variables?: unknown }): string {
  return createHash('sha256')
    .update(canonicalJson({ query: body.query, operationName: body.operationName ?? null, variables: body.variables ?? {} }))
    .digest('hex');
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` are the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** An executed answer that decided something (see the rules above). */
function keepable(status: number, text: string): boolean {
  if (status >= 500) return false;
  try {
    const parsed = JSON.parse(text) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
    if (!('data' in parsed)) return false; // refused before execution
    return !(parsed.errors ?? []).some((e) => NOT_KEPT.has(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
  } catch {
    return false;
  }
}
