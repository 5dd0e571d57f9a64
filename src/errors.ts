import { GraphQLError } from 'graphql';
import { currentLocale, type Locale } from './i18n/locale';
import { msg, t, type Msg } from './i18n/messages';

/** The error codes of the contract; every refusal carries one in `extensions.code`. */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'INVALID_STATE'
  | 'RATE_LIMITED'
  | 'QUERY_TOO_COMPLEX'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

export interface FieldError {
  path: string;
  message: string;
  /** The message unrendered: rendered again in the reader's language when the error is answered. */
  i18n?: Msg;
}

/** A field error from a catalogue message (src/i18n), written now in the current request's language. */
export function fieldError(path: string, m: Msg): FieldError {
  const f: FieldError = { path, message: t(currentLocale(), m.id, m.values) };
  // Not enumerable: never serialised into a response as it is.
  Object.defineProperty(f, 'i18n', { value: m, enumerable: false });
  return f;
}

/** A message for an error: plain text (not translated) or a catalogue message. */
export type ErrorMessage = string | Msg;

/**
 * Base of every error a service throws on purpose; anything else is an internal error. A catalogue
 * message is written in the current request's language when thrown (for logs and REST routes) and
 * again in the reader's language when the GraphQL response is formatted (`localized`).
 */
export class AppError extends GraphQLError {
  readonly i18n?: Msg;
  constructor(code: ErrorCode, message: ErrorMessage, extensions: Record<string, unknown> = {}) {
    super(typeof message === 'string' ? message : t(currentLocale(), message.id, message.values), { extensions: { code, ...extensions } });
    if (typeof message !== 'string') this.i18n = message;
  }
  get code(): ErrorCode {
    return this.extensions.code as ErrorCode;
  }
  /** Message and extensions in `locale` (field messages included); untranslated texts stay as they are. */
  localized(locale: Locale): { message: string; extensions: Record<string, unknown> } {
    const extensions: Record<string, unknown> = { ...this.extensions };
    if (Array.isArray(extensions.fields)) extensions.fields = (extensions.fields as FieldError[]).map((f) => localizedField(f, locale));
    return { message: this.i18n ? t(locale, this.i18n.id, this.i18n.values) : this.message, extensions };
  }
}

function localizedField(f: FieldError, locale: Locale): FieldError {
  return { path: f.path, message: f.i18n ? t(locale, f.i18n.id, f.i18n.values) : f.message };
}

const asField = (path: string, message: ErrorMessage): FieldError => (typeof message === 'string' ? { path, message } : fieldError(path, message));

export class UnauthenticatedError extends AppError {
  constructor(message: ErrorMessage = msg('error.unauthenticated')) {
    super('UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: ErrorMessage = msg('error.forbidden')) {
    super('FORBIDDEN', message);
  }
}

export class BadUserInputError extends AppError {
  private readonly fromFields: boolean;
  constructor(fields: FieldError[], message?: ErrorMessage) {
    super('BAD_USER_INPUT', message ?? fields.map((f) => `${f.path}: ${f.message}`).join('; '), { fields });
    this.fromFields = message === undefined;
  }
  static field(path: string, message: ErrorMessage): BadUserInputError {
    return new BadUserInputError([asField(path, message)]);
  }
  override localized(locale: Locale) {
    const out = super.localized(locale);
    if (this.fromFields) {
      const fields = out.extensions.fields as FieldError[];
      out.message = fields.map((f) => t(locale, 'fieldError', { path: f.path, message: f.message })).join(t(locale, 'fieldErrorSeparator'));
    }
    return out;
  }
}

/** `thing` names `what` (community, room, contract...) in the reader's language. */
const thing = (what: string) => ({ msg: 'thing' as const, values: { what } });

export class NotFoundError extends AppError {
  constructor(what: string, id: string, path?: string) {
    super('NOT_FOUND', msg('error.notFound', { what: thing(what), id }), path ? { fields: [fieldError(path, msg('error.notFound.field', { what: thing(what) }))] } : {});
  }
}

export class ConflictError extends AppError {
  constructor(message: ErrorMessage, extensions: Record<string, unknown> = {}) {
    super('CONFLICT', message, extensions);
  }
}

export class InvalidStateError extends AppError {
  constructor(message: ErrorMessage, extensions: Record<string, unknown> = {}) {
    super('INVALID_STATE', message, extensions);
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number) {
    super('RATE_LIMITED', msg('error.rateLimited', { seconds: retryAfterSeconds }), { retryAfterSeconds });
  }
}

export class QueryTooComplexError extends AppError {
  constructor(message: ErrorMessage, extensions: Record<string, unknown> = {}) {
    super('QUERY_TOO_COMPLEX', message, extensions);
  }
}

/**
 * The database cannot be reached (see isDatabaseUnavailable): HTTP 503 with Retry-After. Raised
 * where a request fails before GraphQL runs (its context); execution's own failures are translated
 * by formatError and answered 503 by unavailablePlugin.
 */
export class ServiceUnavailableError extends AppError {
  constructor() {
    super('SERVICE_UNAVAILABLE', msg('error.serviceUnavailable'), {
      retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS,
      // Apollo's HTTP head for an error outside execution; never shown to clients (formatError drops it).
      http: { status: 503, headers: new Map([['retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS)]]) },
    });
  }
}

/** PostgreSQL SQLSTATEs that services translate into domain errors. */
export const PgErrorCode = {
  uniqueViolation: '23505',
  exclusionViolation: '23P01',
  checkViolation: '23514',
  foreignKeyViolation: '23503',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  invalidTextRepresentation: '22P02',
} as const;

export function pgErrorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

export function pgConstraint(error: unknown): string | undefined {
  const e = error as { constraint?: unknown; driverError?: { constraint?: unknown } };
  const c = e?.driverError?.constraint ?? e?.constraint;
  return typeof c === 'string' ? c : undefined;
}

/** Seconds a client is told to wait (Retry-After) when the database is unreachable. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 1;

/** Messages of node-postgres and pg-pool when the connection is gone or cannot be made. */
const LOST_CONNECTION = /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect|connect ECONNREFUSED|read ECONNRESET)/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * True when `error` says the database could not be reached (refused, cut, shutting down, starting
 * up, PgBouncer without a server): the request did not get an answer from PostgreSQL, which is no
 * bug of ours. SQLSTATE class 08 (connection exception), 57P01-57P03 (shutdown, crash, not yet
 * accepting connections), or a network error / node-postgres connection message.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = pgErrorCode(error);
  if (code && (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || NETWORK_CODES.has(code))) return true;
  const e = error as { name?: unknown; message?: unknown; driverError?: { message?: unknown } } | null;
  // TypeORM releases a transaction's connection when it breaks between statements; the next statement then meets this.
  if (e?.name === 'QueryRunnerAlreadyReleasedError') return true;
  for (const message of [e?.message, e?.driverError?.message]) if (typeof message === 'string' && LOST_CONNECTION.test(message)) return true;
  return false;
}
