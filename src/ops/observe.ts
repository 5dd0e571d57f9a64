import type { ApolloServerPlugin } from '@apollo/server';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Ctx } from '../context';
import { redactPageToken } from '../common/page-path';
import { requestScope, type RequestScope } from '../db/query-counter';
import type { Metrics } from './metrics';
import { tr } from '../i18n/messages';
import { isDatabaseUnavailable, UNAVAILABLE_RETRY_AFTER_SECONDS } from '../errors';

/** What the GraphQL layer learnt of a request, for its log line. */
interface GraphQLFacts {
  operation: string | null;
  type: string | null;
  userId: string | null;
  errors: string[];
  sqlStatements: number;
}

const graphqlFacts = new WeakMap<RequestScope, GraphQLFacts>();

/** Endpoints polled by probes and scrapers: logged at debug level while they succeed. */
const PROBES = new Set(['/healthz', '/readyz', '/metrics']);
const ROUTES = new Set([...PROBES, '/graphql']);

const msSince = (start: bigint) => Math.round(Number(process.hrtime.bigint() - start) / 1e4) / 100;

/**
 * Records each GraphQL request's metrics (by operation, errors by code, SQL statements) and hands
 * its operation, user and error codes to the request's log line.
 */
export function graphqlObserverPlugin(metrics: Metrics): ApolloServerPlugin<Ctx> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ response, operation, operationName, request, contextValue }) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const codes = [...new Set(errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
          const scope = requestScope.getStore();
          const sqlStatements = scope?.sqlStatements ?? 0;
          const label = metrics.operationLabel(operationName, !!operation);
          const type = operation?.operation ?? 'unknown';
          metrics.child(metrics.graphqlRequests, label, type, codes.length ? 'error' : 'ok').inc();
          metrics.child(metrics.graphqlDuration, label, type).observe(seconds);
          metrics.child(metrics.graphqlSqlStatements, label).observe(sqlStatements);
          for (const code of codes) metrics.child(metrics.errors, code).inc();
          if (scope) {
            graphqlFacts.set(scope, {
              operation: operationName ?? request.operationName ?? null,
              type: operation?.operation ?? null,
              userId: contextValue.viewer?.userId ?? null,
              errors: codes,
              sqlStatements,
            });
          }
        },
      };
    },
  };
}

/**
 * One JSON log line per HTTP request when its response ends: request id, method, path, status,
 * duration, client IP, and for GraphQL the operation, user, error codes and SQL statement count.
 * Must run inside the request scope (after the request-id middleware).
 */
export function requestLogger(log: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const scope = requestScope.getStore();
    res.on('close', () => {
      // req.path is relative to the mount point by now; a page link's token never reaches the log.
      const path = redactPageToken(req.originalUrl.split('?')[0]);
      metrics.child(metrics.httpRequests, ROUTES.has(path) ? path : 'other', req.method, String(res.statusCode)).inc();
      const graphql = scope && graphqlFacts.get(scope);
      const refused = res.locals.errorCode as string | undefined;
      if (refused && !graphql) metrics.child(metrics.errors, refused).inc();
      const quiet = PROBES.has(path) && res.statusCode < 400;
      if (!log.isLevelEnabled(quiet ? 'debug' : 'info')) return;
      const line = {
        requestId: scope?.requestId,
        method: req.method,
        path,
        status: res.statusCode,
        durationMs: msSince(started),
        ip: req.ip,
        ...(graphql ?? (refused ? { errors: [refused] } : {})),
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      if (quiet) log.debug(line, 'http request');
      else log.info(line, graphql ? 'graphql request' : 'http request');
    });
    next();
  };
}

/**
 * Errors raised before GraphQL (malformed or oversized JSON bodies) answered as GraphQL-shaped
 * JSON with BAD_REQUEST, instead of Express's HTML page.
 */
export function httpErrorHandler(log: Logger): ErrorRequestHandler {
  return (error, _req, res, next) => {
    if (res.headersSent) return next(error);
    if (isDatabaseUnavailable(error)) {
      // A plain route (or a middleware before GraphQL) could not reach the database: retryable, as in GraphQL.
      log.warn({ err: error, requestId: requestScope.getStore()?.requestId }, 'database unavailable');
      res.locals.errorCode = 'SERVICE_UNAVAILABLE';
      res.setHeader('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
      res.status(503).json({ errors: [{ message: tr('error.serviceUnavailable'), extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS } }] });
      return;
    }
    const e = error as { status?: unknown; type?: unknown; message?: string };
    const status = typeof e.status === 'number' && e.status >= 400 && e.status < 500 ? e.status : 500;
    const code = status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST';
    const message =
      e.type === 'entity.too.large'
        ? tr('ops.bodyTooLarge')
        : e.type === 'entity.parse.failed'
          ? tr('ops.malformedJson')
          : status === 500
            ? tr('error.internal')
            : tr('ops.badRequest', { detail: e.message || 'none' });
    if (status === 500) log.error({ err: error, requestId: requestScope.getStore()?.requestId }, 'internal error');
    res.locals.errorCode = code;
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  };
}
