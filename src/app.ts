import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { viewerFromHeader } from './auth/tokens';
import type { Config } from './config';
import type { Ctx } from './context';
import { migrationsApplied } from './db/data-source';
import { requestScope, type RequestScope } from './db/query-counter';
import { formatError } from './errors-format';
import { compiledExecution } from './ops/compiled-execution';
import { queryLimitsPlugin } from './ops/limits';
import { Metrics, metricsHandler } from './ops/metrics';
import { graphqlObserverPlugin, httpErrorHandler, requestLogger } from './ops/observe';
import { rateLimitMiddleware } from './ops/rate-limit';
import { corsPolicy, securityHeaders } from './ops/security';
import { startEventBus, type EventBus } from './live/events';
import { attachWebSocket } from './live/websocket';
import { ideRouter } from './ide/ide.routes';
import { pagesRouter } from './links/pages.routes';
import { createSchema } from './schema';
import { serviceHoursRouter } from './service-hours/service-hours.routes';
import { calendarRouter } from './spaces/calendar.routes';

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
  const metrics = new Metrics(db);
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

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      if (draining) throw new Error('draining');
      await db.query('SELECT 1');
      if (!(await migrationsApplied(db))) throw new Error('migrations pending');
      res.json({ status: 'ready' });
    } catch (error) {
      res.status(503).json({ status: 'unavailable', reason: (error as Error).message });
    }
  });
  app.get('/metrics', metricsHandler(metrics, config.metricsToken));

  const schema = await createSchema();
  // Subscriptions: graphql-ws on the same server and path; events from PostgreSQL LISTEN (or in-process on PGlite).
  const events = await startEventBus({ db, databaseUrl: config.databaseUrl, log });
  const ws = attachWebSocket({ server, schema, db, config, log });

  const apollo = new ApolloServer<Ctx>({
    gateway: compiledExecution(schema),
    formatError: formatError(log, config.env === 'development'),
    includeStacktraceInErrorResponses: false,
    // main.ts owns shutdown: drain HTTP, stop GraphQL, then close the database.
    stopOnTerminationSignals: false,
    introspection: config.introspection,
    // Without introspection, "did you mean" suggestions would leak the schema too.
    hideSchemaDetailsFromClientErrors: !config.introspection,
    csrfPrevention: true,
    plugins: [
      // No HTTP caching of GraphQL answers here; without this Apollo instruments every field resolver.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      // The IDE at GET /graphql is ours (ide/), served from npm packages: Apollo's would load a CDN.
      ApolloServerPluginLandingPageDisabled(),
      queryLimitsPlugin(config.limits),
      graphqlObserverPlugin(metrics),
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
  app.use(
    '/graphql',
    rateLimitMiddleware(config),
    express.json({ limit: config.bodyLimit }),
    expressMiddleware(apollo, {
      context: async ({ req }): Promise<Ctx> => ({
        db,
        config,
        log,
        requestId: requestScope.getStore()?.requestId ?? randomUUID(),
        viewer: viewerFromHeader(config, req.header('authorization')),
        loaders: new Map(),
      }),
    }),
  );
  // After /graphql, so GraphQL requests do not walk these routers' routes first.
  app.use(serviceHoursRouter({ db, config, log }));
  app.use(calendarRouter({ db, config, log }));
  app.use(pagesRouter({ db, config, log, schema }));
  app.use(httpErrorHandler(log));

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
      await apollo.stop();
      await events.stop();
    },
  };
}
