import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { getOperationAST, GraphQLError, parse, validate, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { WebSocketServer } from 'ws';
import { authenticate, sessionEnded, viewerFromHeader } from '../auth/auth.service';
import type { Config } from '../config';
import type { Ctx } from '../context';
import { AppError } from '../errors';
import { formatError } from '../errors-format';
import type { OperationGuard } from '../ops/operation-guard';
import { knownSocketLocale, socketLocale } from '../i18n/request';
import { withLocale } from '../i18n/locale';
import { msg } from '../i18n/messages';

/**
 * Operations one connection may have running at once (subscriptions, in practice): a screen needs
 * a handful; the cap keeps one socket from holding thousands of hub queues.
 */
export const MAX_OPERATIONS_PER_CONNECTION = 20;

/** Parsed and validated operation texts kept for reuse (oldest forgotten first). */
const DOCUMENTS_KEPT = 500;

/** The Authorization header a client put in `connectionParams`: `{ authorization: 'Bearer <token>' }` or `{ token }`. */
export function authorizationFrom(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const header = params?.authorization ?? params?.Authorization;
  if (typeof header === 'string') return header;
  const token = params?.token;
  if (typeof token === 'string') return /^Bearer\s/i.test(token) ? token : `Bearer ${token}`;
  return undefined;
}

/** graphql-js's own errors over WebSocket get the codes Apollo gives them over HTTP (not INTERNAL_SERVER_ERROR). */
const withCode = (e: GraphQLError, code: string, hideSuggestions = false) =>
  new GraphQLError(hideSuggestions ? e.message.replace(/ Did you mean(.+?)\?$/, '') : e.message, { nodes: e.nodes, source: e.source, positions: e.positions, extensions: { ...e.extensions, code } });

export interface WebSocketDeps {
  server: http.Server;
  schema: GraphQLSchema;
  db: DataSource;
  config: Config;
  log: Logger;
  /** The same guard as HTTP's: rate limit, token limit, introspection, depth, cost and the rest. */
  guard: OperationGuard;
  /** The client's IP from the upgrade request, through TRUST_PROXY as for HTTP. */
  clientAddress: (request: http.IncomingMessage) => string;
}

/**
 * graphql-ws on the HTTP server's `/graphql` upgrades. Each operation gets a context like an HTTP
 * request's, from the token in `connectionParams`; errors are shaped as over HTTP. A message
 * larger than BODY_LIMIT closes the socket (1009) unread. Every operation passes the operation
 * guard as over HTTP, before anything runs: the rate limit of its user (or its connection's
 * address), the token limit, introspection, depth, cost, expensive fields, aliases, directives;
 * and a connection runs at most MAX_OPERATIONS_PER_CONNECTION at once (RATE_LIMITED).
 */
export function attachWebSocket({ server, schema, db, config, log, guard, clientAddress }: WebSocketDeps) {
  // ws refuses a larger frame or message before it is buffered whole, closing with 1009 (message too big).
  const wsServer = new WebSocketServer({ server, path: '/graphql', maxPayload: config.bodyLimitBytes });
  // ws has already closed such a socket with 1009 when it emits the error; graphql-ws would print it
  // to stderr as an internal error. It is the client's doing: one structured log line instead.
  // (Registered before graphql-ws's own listener, so this runs first.)
  wsServer.on('connection', (socket) => {
    const emit = socket.emit.bind(socket);
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      const error = args[0] as { code?: string } | undefined;
      if (event === 'error' && error?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        log.info({ maxPayload: config.bodyLimitBytes }, 'websocket message over BODY_LIMIT: socket closed (1009)');
        return true;
      }
      return emit(event, ...args);
    }) as typeof socket.emit;
  });
  // Valid documents by query text, as Apollo keeps them over HTTP: a screen's repeated operations
  // are parsed and validated once, and the guard's facts (keyed by the parsed operation) are reused.
  const validDocuments = new Map<string, DocumentNode>();
  const remember = (query: string, document: DocumentNode) => {
    if (validDocuments.size >= DOCUMENTS_KEPT) validDocuments.delete(validDocuments.keys().next().value!);
    validDocuments.set(query, document);
  };
  const format = formatError(log, config.env === 'development');
  // In the connection's language (connectionParams `acceptLanguage` / `locale`, else the user's saved one).
  const shape = (errors: readonly GraphQLError[], params?: Readonly<Record<string, unknown>>) =>
    withLocale(knownSocketLocale(params), () => errors.map((e) => format(e.toJSON(), e)));
  const cleanup = useServer<Record<string, unknown>>(
    {
      schema,
      // The token (signature, expiry, and version: not ended by logOutEverywhere / changePassword)
      // is checked when each operation starts, the first one at connect included; a refused token
      // answers UNAUTHENTICATED where a user is needed, as over HTTP. A connection opened before
      // the token ended starts no more operations as its user (within the version cache's bound,
      // auth/tokens.ts); its running subscriptions are cut at their next event (onNext).
      context: async ({ connectionParams, extra }): Promise<Ctx> => {
        const viewer = await authenticate(db, config, authorizationFrom(connectionParams));
        return {
          db,
          config,
          log,
          requestId: randomUUID(),
          viewer,
          clientAddress: clientAddress(extra.request),
          locale: await socketLocale(db, connectionParams, viewer.userId),
          loaders: new Map(),
        };
      },
      onSubscribe: async (ctx, _id, payload) => {
        // graphql-ws has already registered this operation, so it is counted here.
        const running = Object.keys(ctx.subscriptions).length;
        if (running > MAX_OPERATIONS_PER_CONNECTION) {
          return [
            new AppError('RATE_LIMITED', msg('ops.subscriptionsPerConnection', { max: MAX_OPERATIONS_PER_CONNECTION }), {
              maxSubscriptions: MAX_OPERATIONS_PER_CONNECTION,
            }),
          ];
        }
        const limited = await guard.admit({
          userId: viewerFromHeader(config, authorizationFrom(ctx.connectionParams)).userId,
          address: clientAddress(ctx.extra.request),
        });
        if (limited) return [limited];
        let document = validDocuments.get(payload.query);
        if (!document) {
          try {
            document = parse(payload.query, guard.parseOptions);
          } catch (error) {
            if (error instanceof GraphQLError) return [withCode(error, 'GRAPHQL_PARSE_FAILED')];
            throw error;
          }
          const invalid = validate(schema, document);
          // As over HTTP: without introspection, "did you mean" suggestions would leak the schema.
          if (invalid.length) return invalid.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED', !config.introspection));
          remember(payload.query, document);
        }
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new GraphQLError('Unable to identify operation', { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })];
        const refusal = await guard.check(schema, document, operation, payload.variables);
        if (refusal) return [refusal];
        // Context and root value are filled in by graphql-ws as for any operation.
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
      },
      onNext: async (ctx, _id, _payload, _args, result) => {
        const { errors } = result as ExecutionResult;
        if (errors) return { ...result, errors: shape(errors, ctx.connectionParams) };
        // An event of a subscription started before its session ended (logOutEverywhere,
        // changePassword) is not delivered: the socket closes (4403) instead, within the version
        // cache's bound. Refusals (errors) go out as they are.
        if (await sessionEnded(db, config, authorizationFrom(ctx.connectionParams))) {
          ctx.extra.socket.close(4403, 'Session ended; log in again');
        }
        return undefined; // nothing is sent on a closing socket
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
