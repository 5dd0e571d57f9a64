import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from 'pino';
import type { ApolloServerPlugin } from '@apollo/server';
import { AppError, isDatabaseUnavailable, PgErrorCode, pgErrorCode, UNAVAILABLE_RETRY_AFTER_SECONDS } from './errors';
import { requestScope } from './db/query-counter';
import { currentLocale } from './i18n/locale';
import { tr } from './i18n/messages';

/** Codes Apollo and graphql-js produce themselves for malformed requests; passed through as they are. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** The code Apollo gives each kind of request error graphql-js reports. */
function requestErrorCode(message: string): string {
  if (message.startsWith('Syntax Error')) return 'GRAPHQL_PARSE_FAILED';
  if (message.startsWith('Variable "$') || message.startsWith('Too many errors processing variables')) return 'BAD_USER_INPUT';
  return 'GRAPHQL_VALIDATION_FAILED';
}

/**
 * What a client sees of an error: our typed errors as they are; request errors with the variable
 * named; anything else logged with the request id and answered without stack or SQL.
 */
export function formatError(log: Logger, showInternals: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    if (original instanceof AppError) {
      const { message, extensions: { http: _http, ...own } } = original.localized(currentLocale());
      return { path: formatted.path, message, extensions: own };
    }
    // The database went away (restart, failover, PgBouncer down): a clear, retryable answer, not an
    // internal error with the driver's words. Apollo wraps a failed context's error (originalError).
    const cause = (original as { originalError?: unknown } | null)?.originalError;
    if (isDatabaseUnavailable(original) || (cause && isDatabaseUnavailable(cause))) {
      log.warn({ err: cause ?? original, requestId: requestScope.getStore()?.requestId, path: formatted.path }, 'database unavailable');
      return { message: tr('error.serviceUnavailable'), path: formatted.path, extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS } };
    }
    if (pgErrorCode(original) === PgErrorCode.invalidTextRepresentation) {
      // A value PostgreSQL could not read (an ID that is not a UUID) is the client's mistake, not ours.
      const path = formatted.path?.join('.') ?? 'input';
      return { message: tr('error.malformed'), path: formatted.path, extensions: { code: 'BAD_USER_INPUT', fields: [{ path, message: tr('error.malformed.field') }] } };
    }
    // graphql-js's own request errors (syntax, validation, variable coercion) carry no code when no
    // Apollo stands in front (WebSocket). They are raised outside any field (no path), from no error
    // of ours (a variable's scalar refusing it aside). By name, not instanceof: graphql-ws may load
    // graphql's ESM build, whose GraphQLError is another class.
    const request = original as { name?: unknown; message?: unknown; path?: unknown; originalError?: unknown } | null;
    if (
      extensions.code === undefined && request?.name === 'GraphQLError' && !request.path && typeof request.message === 'string' &&
      (!request.originalError || request.message.startsWith('Variable "$'))
    ) {
      extensions.code = requestErrorCode(request.message);
    }
    const code = extensions.code as string | undefined;
    if (code && REQUEST_ERROR_CODES.has(code)) {
      if (code === 'BAD_USER_INPUT' && !extensions.fields) {
        const variable = /Variable "\$(\w+)"/.exec(formatted.message)?.[1];
        extensions.fields = [{ path: variable ?? 'input', message: formatted.message }];
      }
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions };
    }
    const requestId = requestScope.getStore()?.requestId;
    log.error({ err: original, requestId, path: formatted.path }, 'internal error');
    return {
      message: showInternals ? formatted.message : tr('error.internal'),
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
    };
  };
}

/** Answers HTTP 503 with Retry-After when an operation failed because the database was unreachable. */
export function unavailablePlugin(): ApolloServerPlugin {
  return {
    requestDidStart: async () => ({
      willSendResponse: async ({ response }) => {
        const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
        if (errors?.some((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE')) {
          response.http.status = 503;
          response.http.headers.set('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
        }
      },
    }),
  };
}
