import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { getOperationAST, GraphQLError, parse, validate, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { WebSocketServer } from 'ws';
import { authenticate, sessionEnded } from '../auth/tokens';
import type { Config } from '../config';
import type { Ctx } from '../context';
import { AppError } from '../errors';
import { formatError } from '../errors-format';
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

/**
 * The client's address as Express's `req.ip` gives it over HTTP: X-Forwarded-For is walked from
 * the socket's peer back only through proxies `trust` (Express's compiled `trust proxy`) accepts.
 * The failed-login throttle counts per address, so a WebSocket behind the same proxy must not
 * count every client as the proxy.
 */
export function clientAddressOf(req: http.IncomingMessage, trust?: (address: string, hop: number) => boolean): string | undefined {
  const peer = req.socket.remoteAddress;
  if (!peer || !trust) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((a) => a.trim()).filter(Boolean).reverse();
  const hops = [peer, ...forwarded];
  for (let i = 0; i < hops.length - 1; i++) if (!trust(hops[i], i)) return hops[i];
  return hops[hops.length - 1];
}

export interface WebSocketDeps {
  /** Express's compiled `trust proxy` (app.get('trust proxy fn')); without it, the socket's peer is the client. */
  trustProxy?: (address: string, hop: number) => boolean;
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
export function attachWebSocket({ server, schema, db, config, log, trustProxy }: WebSocketDeps) {
  const wsServer = new WebSocketServer({ server, path: '/graphql' });
  const format = formatError(log, config.env === 'development');
  const shape = (errors: readonly GraphQLError[]) => errors.map((e) => format(e.toJSON(), e));
  const cleanup = useServer<Record<string, unknown>>(
    {
      schema,
      // The token (signature, expiry, and version: not ended by logOutEverywhere / changePassword)
      // is checked when each operation starts, the first one at connect included; a refused token
      // answers UNAUTHENTICATED where a user is needed, as over HTTP. A connection opened before
      // the token ended starts no more operations as its user (within the version cache's bound,
      // auth/tokens.ts); its running subscriptions are cut at their next event (onNext).
      context: async ({ connectionParams, extra }): Promise<Ctx> => ({
        db,
        config,
        log,
        requestId: randomUUID(),
        viewer: await authenticate(db, config, authorizationFrom(connectionParams)),
        clientAddress: clientAddressOf(extra.request, trustProxy),
        loaders: new Map(),
      }),
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
      onNext: async (ctx, _id, _payload, _args, result) => {
        const { errors } = result as ExecutionResult;
        if (errors) return { ...result, errors: shape(errors) };
        // An event of a subscription started before its session ended (logOutEverywhere,
        // changePassword) is not delivered: the socket closes (4403) instead, within the version
        // cache's bound. Refusals (errors) go out as they are.
        if (await sessionEnded(db, config, authorizationFrom(ctx.connectionParams))) {
          ctx.extra.socket.close(4403, 'Session ended; log in again');
        }
        return undefined; // nothing is sent on a closing socket
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
