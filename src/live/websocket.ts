import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { getOperationAST, GraphQLError, parse, validate, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { WebSocketServer } from 'ws';
import { viewerFromHeader } from '../auth/tokens';
import type { Config } from '../config';
import type { Ctx } from '../context';
import { AppError } from '../errors';
import { formatError } from '../errors-format';
import { knownSocketLocale, socketLocale } from '../i18n/request';
import { withLocale } from '../i18n/locale';
import { limitRefusal } from '../ops/limits';

/**
 * Operations one connection may have running at once (subscriptions, in practice): a screen needs
 * a handful; the cap keeps one socket from holding thousands of hub queues.
 */
export const MAX_OPERATIONS_PER_CONNECTION = 20;

/** The Authorization header a client put in `connectionParams`: `{ authorization: 'Bearer <token>' }` or `{ token }`. */
export function authorizationFrom(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const header = params?.authorization ?? params?.Authorization;
  if (typeof header === 'string') return header;
  const token = params?.token;
  if (typeof token === 'string') return /^Bearer\s/i.test(token) ? token : `Bearer ${token}`;
  return undefined;
}

const withoutSuggestions = (e: GraphQLError) => new GraphQLError(e.message.replace(/ Did you mean(.+?)\?$/, ''), { nodes: e.nodes, extensions: e.extensions });

export interface WebSocketDeps {
  server: http.Server;
  schema: GraphQLSchema;
  db: DataSource;
  config: Config;
  log: Logger;
}

/**
 * graphql-ws on the HTTP server's `/graphql` upgrades. Each operation gets a context like an HTTP
 * request's, from the token in `connectionParams`; errors are shaped as over HTTP. Operations are
 * held to the HTTP path's depth and cost limits (QUERY_TOO_COMPLEX) before anything runs, and a
 * connection to MAX_OPERATIONS_PER_CONNECTION at once (RATE_LIMITED).
 */
export function attachWebSocket({ server, schema, db, config, log }: WebSocketDeps) {
  const wsServer = new WebSocketServer({ server, path: '/graphql' });
  const format = formatError(log, config.env === 'development');
  // In the connection's language (connectionParams `acceptLanguage` / `locale`, else the user's saved one).
  const shape = (errors: readonly GraphQLError[], params?: Readonly<Record<string, unknown>>) =>
    withLocale(knownSocketLocale(params), () => errors.map((e) => format(e.toJSON(), e)));
  const cleanup = useServer<Record<string, unknown>>(
    {
      schema,
      context: async ({ connectionParams }): Promise<Ctx> => {
        const viewer = viewerFromHeader(config, authorizationFrom(connectionParams));
        return { db, config, log, requestId: randomUUID(), viewer, locale: await socketLocale(db, connectionParams, viewer.userId), loaders: new Map() };
      },
      onSubscribe: (ctx, _id, payload) => {
        // graphql-ws has already registered this operation, so it is counted here.
        const running = Object.keys(ctx.subscriptions).length;
        if (running > MAX_OPERATIONS_PER_CONNECTION) {
          return [
            new AppError('RATE_LIMITED', `At most ${MAX_OPERATIONS_PER_CONNECTION} subscriptions at once on one connection; complete one first`, {
              maxSubscriptions: MAX_OPERATIONS_PER_CONNECTION,
            }),
          ];
        }
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const invalid = validate(schema, document);
        // As over HTTP: without introspection, "did you mean" suggestions would leak the schema.
        if (invalid.length) return config.introspection ? [...invalid] : invalid.map(withoutSuggestions);
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new GraphQLError('Unable to identify operation')];
        const refusal = limitRefusal(schema, document, operation, payload.variables ?? undefined, config.limits);
        if (refusal) return [refusal];
        // Context and root value are filled in by graphql-ws as for any operation.
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
      },
      onNext: (ctx, _id, _payload, _args, result) => {
        const { errors } = result as ExecutionResult;
        return errors ? { ...result, errors: shape(errors, ctx.connectionParams) } : undefined;
      },
      onError: (ctx, _id, _payload, errors) => shape(errors, ctx.connectionParams),
    },
    wsServer,
  );
  return {
    /** Closes every socket (subscriptions end) and the WebSocket server. */
    async dispose() {
      await cleanup.dispose();
    },
  };
}
