import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import express from 'express';
import proxyaddr from 'proxy-addr';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { authenticate, forgetTokenVersion, viewerFromHeader } from './auth/tokens';
import { roomBounds } from './communities/communities.service';
import { stringifyResult } from './common/kept-answer';
import type { Config } from './config';
import type { Ctx } from './context';
import { migrationsApplied } from './db/data-source';
import { requestScope, type RequestScope } from './db/query-counter';
import { replicaRouterOf } from './db/replica';
import { isDatabaseUnavailable, ServiceUnavailableError } from './errors';
import { formatError, unavailablePlugin } from './errors-format';
import { contextLocale, localeMiddleware } from './i18n/request';
import { apolloMiddleware } from './ops/apollo-express';
import { compiledExecution } from './ops/compiled-execution';
import { idempotencyMiddleware } from './ops/idempotency';
import { Metrics, metricsHandler } from './ops/metrics';
import { graphqlObserverPlugin, httpErrorHandler, requestLogger } from './ops/observe';
import { OperationGuard } from './ops/operation-guard';
import { createRateLimitStore, rateLimitMiddleware, type IdentifyCaller } from './ops/rate-limit';
import { corsPolicy, securityHeaders } from './ops/security';
import { startEventBus, topics, type EventBus } from './live/events';
import { attachWebSocket } from './live/websocket';
import { ideRouter } from './ide/ide.routes';
import { pagesRouter } from './links/pages.routes';
import { createSchema } from './schema';
import { serviceHoursRouter } from './service-hours/service-hours.routes';
import { summariesComputed } from './service-hours/summary-cache';
import { privacyRouter } from './privacy/privacy.routes';
import { startRetention } from './privacy/retention';
import { calendarRouter } from './spaces/calendar.routes';
// The side effects of the domains' transitions and the readers of their events, registered once
// here, the composition root; HOOK_ORDER decides the order they run in (docs/architecture.md).
import './partners/partners.hooks';
import './spaces/spaces.hooks';
import './demand/demand.hooks';
import './service-hours/service-hours.hooks';
import './residents/residents.hooks';
import './projects/projects.hooks';
import './ratings/ratings.hooks';
import './agendas/agendas.hooks';
import './live/live.subscribers';

export interface AppDeps {
  db: DataSource;
  config: Config;
  log: Logger;
}

export interface AppHandle {
  app: express.Express;
  server: http.Server;
  metrics: Metrics;
  /** From now on /readyz answers 503 so load balancers stop routing here; requests are still served. */
  markDraining(): void;
  /** Live events of this process (subscriptions listen here). */
  events: EventBus;
  /** Stops taking requests, closes subscriptions, lets in-flight requests finish, then stops GraphQL and the event listener. */
  drain(): Promise<void>;
}

/** Builds the HTTP app and its GraphQL server; tests import this, main.ts listens on it. */
export async function createApp({ db, config, log }: AppDeps): Promise<AppHandle> {
  const app = express();
  const server = http.createServer(app);
  server.on('clientError', answerMalformedRequest);
  const metrics = new Metrics(db);
  metrics.countedElsewhere(
    'service_hours_summaries_computed_total',
    'Service-hours summaries this process computed from the rollups (the rest were answered from what it keeps)',
    summariesComputed,
  );
  let draining = false;
  app.disable('x-powered-by');
  // GraphQL answers are POSTs that no cache revalidates: hashing every body for an ETag is waste.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);

  app.use((req, res, next) => {
    const header = req.header('x-request-id');
    const requestId = header && /^[\w.-]{1,100}$/.test(header) ? header : randomUUID();
    res.setHeader('x-request-id', requestId);
    const scope: RequestScope = { requestId, sqlStatements: 0 };
    requestScope.run(scope, () => next());
  });
  app.use(requestLogger(log, metrics), securityHeaders(config), corsPolicy(config));
  app.use(localeMiddleware);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      if (draining) throw new Error('draining');
      await db.query('SELECT 1');
      if (!(await migrationsApplied(db))) throw new Error('migrations pending');
      // Still ready with the replica down or lagging: its reads fall back to the primary.
      const replica = replicaRouterOf(db)?.status();
      res.json(replica ? { status: 'ready', replica } : { status: 'ready' });
    } catch (error) {
      res.status(503).json({ status: 'unavailable', reason: (error as Error).message });
    }
  });
  app.get('/metrics', metricsHandler(metrics, config));

  const schema = await createSchema();
  // What every operation may do, over HTTP and WebSocket alike (one rate-limit budget per caller across both).
  const { perUser, perIp } = config.rateLimit;
  const rateLimits = perUser > 0 || perIp > 0 ? createRateLimitStore({ db, config, log }) : null;
  const guard = new OperationGuard(config, () => roomBounds(db), rateLimits);
  // Subscriptions: graphql-ws on the same server and path; events from PostgreSQL LISTEN (or in-process on PGlite).
  const events = await startEventBus({ db, databaseUrl: config.databaseListenUrl, log });
  // An erased account's tokens end in every process at once, not after TOKEN_VERSION_CACHE_MS (privacy.service.ts).
  void (async () => {
    for await (const ended of events.hub.subscribe(topics.sessionsEnded())) if (ended.refs.userId) forgetTokenVersion(db, ended.refs.userId);
  })();
  const ws = attachWebSocket({ server, schema, db, config, log, guard, clientAddress: (req) => proxyaddr(req, app.get('trust proxy fn')) });

  const apollo = new ApolloServer<Ctx>({
    gateway: compiledExecution(schema, { checkLeafValues: config.checkLeafValues }),
    formatError: formatError(log, config.env === 'development'),
    // JSON as Apollo writes it, except that a response made from a kept answer is kept too (common/kept-answer.ts).
    stringifyResult,
    includeStacktraceInErrorResponses: false,
    // main.ts owns shutdown: drain HTTP, stop GraphQL, then close the database.
    stopOnTerminationSignals: false,
    introspection: config.introspection,
    // Without introspection, "did you mean" suggestions would leak the schema too.
    hideSchemaDetailsFromClientErrors: !config.introspection,
    csrfPrevention: true,
    // One operation per request: a batch would multiply what one request may do past the guard's per-operation limits.
    allowBatchedHttpRequests: false,
    parseOptions: guard.parseOptions,
    plugins: [
      // No HTTP caching of GraphQL answers here; without this Apollo instruments every field resolver.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      // The IDE at GET /graphql is ours (ide/), served from npm packages: Apollo's would load a CDN.
      ApolloServerPluginLandingPageDisabled(),
      guard.plugin(),
      graphqlObserverPlugin(metrics),
      unavailablePlugin(),
      {
        // Upgraded sockets are not the HTTP server's to drain: close them (clients see 1001 and reconnect elsewhere).
        async serverWillStart() {
          return {
            async drainServer() {
              await ws.dispose();
            },
          };
        },
      },
      {
        async requestDidStart() {
          return {
            async willSendResponse({ response }) {
              const scope = requestScope.getStore();
              if (scope) response.http.headers.set('x-sql-statements', String(scope.sqlStatements));
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  if (config.landingPage) app.use(ideRouter({ db, path: '/graphql' }));
  // ops/ knows no domain: the app tells it who a request's token names (signature only, no database).
  const identify: IdentifyCaller = (req) => viewerFromHeader(config, req.header('authorization')).userId;
  app.use(
    '/graphql',
    rateLimitMiddleware(guard, identify),
    express.json({ limit: config.bodyLimit }),
    idempotencyMiddleware({ db, config, log, identify }),
    apolloMiddleware(apollo, async ({ req, res }): Promise<Ctx> => {
      try {
        const viewer = await authenticate(db, config, req.header('authorization'));
        // Whose writes this request makes (the read replica's read-your-writes, db/replica.ts).
        const scope = requestScope.getStore();
        if (scope) scope.userId = viewer.userId;
        return {
          db,
          config,
          log,
          requestId: requestScope.getStore()?.requestId ?? randomUUID(),
          viewer,
          clientAddress: req.ip ?? 'unknown',
          locale: await contextLocale(db, viewer.userId, res),
          loaders: new Map(),
        };
      } catch (error) {
        // Reading the caller's token version or language needs the database: 503, not 500, without it.
        throw isDatabaseUnavailable(error) ? new ServiceUnavailableError() : error;
      }
    }, {
      sentAgain: (unexecuted) => {
        metrics.keptAnswersSent.inc();
        if (unexecuted) metrics.keptAnswersUnexecuted.inc();
      },
      gzipFromBytes: config.keptAnswerGzipMinBytes,
    }),
  );
  // After /graphql, so GraphQL requests do not walk these routers' routes first.
  app.use(serviceHoursRouter({ db, config, log }));
  app.use(privacyRouter({ db, config, log }));
  app.use(calendarRouter({ db, config, log }));
  app.use(pagesRouter({ db, config, log, schema }));
  app.use(httpErrorHandler(log));
  // Limited retention: one process at a time purges what is past its period (privacy/retention.ts).
  const stopRetention = startRetention(db, config, log, metrics);

  return {
    app,
    server,
    metrics,
    markDraining() {
      draining = true;
    },
    events,
    async drain() {
      draining = true;
      stopRetention();
      await apollo.stop();
      await events.stop();
      await rateLimits?.close();
    },
  };
}

/**
 * Requests Node cannot parse (headers over its 16 KB limit, broken framing) never reach Express;
 * Node's default answer has no body. Answer them with a sentence saying what was wrong, in Chinese
 * and English: no header was read, so no Accept-Language either.
 */
function answerMalformedRequest(error: Error & { code?: string }, socket: import('node:stream').Duplex): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [status, text] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? ['431 Request Header Fields Too Large', '请求头（或网址）过大 / Request headers (or the URL) are too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['408 Request Timeout', '请求传输时间过长 / The request took too long to arrive']
        : ['400 Bad Request', 'HTTP 请求格式错误 / Malformed HTTP request'];
  // A body after the answer to a HEAD is read by the client as a broken next answer: the sentence
  // goes only where the request line shows another method (an oversized request may come in pieces).
  const raw = (error as { rawPacket?: Buffer }).rawPacket;
  const method = raw ? /^([A-Z]+) /.exec(raw.subarray(0, 16).toString('latin1'))?.[1] : undefined;
  const body = method && method !== 'HEAD' ? text : '';
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
