import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger as TypeOrmLogger, QueryRunner } from 'typeorm';
import type { Logger } from 'pino';

/** Per-request facts every layer can reach without threading them through each call. */
export interface RequestScope {
  requestId: string;
  sqlStatements: number;
  /** The signed-in caller, once authenticated (the read replica's read-your-writes; db/replica.ts). */
  userId?: string | null;
  /** The primary's WAL position after this request's last write, when a read replica is configured. */
  writeLsn?: bigint;
}

export const requestScope = new AsyncLocalStorage<RequestScope>();

const TRANSACTION_CONTROL = /^(START TRANSACTION|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT|SET TRANSACTION)/i;

/** Counts one statement of the current request (transaction control excluded); also for statements run past TypeORM. */
export function countStatement(query: string): void {
  const scope = requestScope.getStore();
  if (scope && !TRANSACTION_CONTROL.test(query.trimStart())) scope.sqlStatements++;
}

/**
 * TypeORM logger that counts the SQL statements each request issues (transaction control excluded),
 * so tests and the benchmark can check that a request's statements do not grow with its page size.
 */
export class CountingQueryLogger implements TypeOrmLogger {
  constructor(private readonly out: Logger) {}

  logQuery(query: string): void {
    countStatement(query);
    if (this.out.isLevelEnabled('trace')) this.out.trace({ sql: query }, 'sql');
  }
  logQueryError(error: string | Error, query: string, parameters?: unknown[], _qr?: QueryRunner): void {
    // Expected constraint violations are translated by services; the rest surfaces as internal errors.
    this.out.debug({ err: error, sql: query, parameters }, 'sql error');
  }
  logQuerySlow(time: number, query: string): void {
    this.out.warn({ ms: time, sql: query }, 'slow sql');
  }
  logSchemaBuild(message: string): void {
    this.out.debug(message);
  }
  logMigration(message: string): void {
    this.out.info(message);
  }
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.out.warn(String(message));
    else this.out.debug(String(message));
  }
}
