import { GraphQLError } from 'graphql';

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
  | 'INTERNAL_SERVER_ERROR';

export interface FieldError {
  path: string;
  message: string;
}

/** Base of every error a service throws on purpose; anything else is an internal error. */
export class AppError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extensions } });
  }
  get code(): ErrorCode {
    return this.extensions.code as ErrorCode;
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'You must be signed in to do this') {
    super('UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You are not allowed to do this') {
    super('FORBIDDEN', message);
  }
}

export class BadUserInputError extends AppError {
  constructor(fields: FieldError[], message?: string) {
    super('BAD_USER_INPUT', message ?? fields.map((f) => `${f.path}: ${f.message}`).join('; '), { fields });
  }
  static field(path: string, message: string): BadUserInputError {
    return new BadUserInputError([{ path, message }]);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, id: string, path?: string) {
    super('NOT_FOUND', `${what} ${id} does not exist`, path ? { fields: [{ path, message: `no ${what} with this id` }] } : {});
  }
}

export class ConflictError extends AppError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super('CONFLICT', message, extensions);
  }
}

export class InvalidStateError extends AppError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super('INVALID_STATE', message, extensions);
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number) {
    super('RATE_LIMITED', `Too many requests; retry in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}

export class QueryTooComplexError extends AppError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super('QUERY_TOO_COMPLEX', message, extensions);
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
