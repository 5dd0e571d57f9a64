import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { ExecutionResult, GraphQLError, GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { WebSocketServer } from 'ws';
import { viewerFromHeader } from '../auth/tokens';
import type { Config } from '../config';
import type { Ctx } from '../context';
import { formatError } from '../errors-format';

/** The Authorization header a client put in `connectionParams`: `{ authorization: 'Bearer <token>' }` or `{ token }`. */
export function authorizationFrom(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const header = params?.authorization ?? params?.Authorization;
  if (typeof header === 'string') return header;
  const token = params?.token;
  if (typeof token === 'string') return /^Bearer\s/i.test(token) ? token : `Bearer ${token}`;
  return undefined;
}

export interface WebSocketDeps {
  server: http.Server;
  schema: GraphQLSchema;
  db: DataSource;
  config: Config;
  log: Logger;
}

/**
 * graphql-ws on the HTTP server's `/graphql` upgrades. Each operation gets a context like an HTTP
 * request's, from the token in `connectionParams`; errors are shaped as over HTTP.
 */
export function attachWebSocket({ server, schema, db, config, log }: WebSocketDeps) {
  const wsServer = new WebSocketServer({ server, path: '/graphql' });
  const format = formatError(log, config.env === 'development');
  const shape = (errors: readonly GraphQLError[]) => errors.map((e) => format(e.toJSON(), e));
  const cleanup = useServer<Record<string, unknown>>(
    {
      schema,
      context: ({ connectionParams }): Ctx => ({
        db,
        config,
        log,
        requestId: randomUUID(),
        viewer: viewerFromHeader(config, authorizationFrom(connectionParams)),
        loaders: new Map(),
      }),
      onNext: (_ctx, _id, _payload, _args, result) => {
        const { errors } = result as ExecutionResult;
        return errors ? { ...result, errors: shape(errors) } : undefined;
      },
      onError: (_ctx, _id, _payload, errors) => shape(errors),
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
