import { createHash } from 'node:crypto';
import type { Pool, QueryResult } from 'pg';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { countStatement } from './query-counter';

/** Statement names by SQL text; bounded so that an unusual stream of texts cannot grow the server's memory. */
const names = new Map<string, string>();
const MAX_PREPARED = 200;

/** A data source's named statements: allowed, and whether a lost statement may fall back to an unnamed one. */
interface PreparedState {
  enabled: boolean;
  strict: boolean;
  log?: Logger;
}
const states = new WeakMap<DataSource, PreparedState>();

/** Set where the data source is created (PostgreSQL only; the embedded store never prepares). */
export function configurePreparedStatements(db: DataSource, options: PreparedState): void {
  states.set(db, { ...options });
}

/** Whether the data source currently names its statements (false once it fell back). */
export function preparedStatementsOn(db: DataSource): boolean {
  return states.get(db)?.enabled ?? false;
}

/**
 * The server says a named statement is missing (26000) or already there (42P05): a pooler hands
 * this client's statements to server connections that never saw them (PgBouncer in transaction
 * mode before 1.21, or 1.21+ without max_prepared_statements).
 */
function lostStatement(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === '26000' || code === '42P05';
}

/**
 * The name of `sql`, from a hash of its text: behind a transaction-mode pooler a statement this
 * process prepared may be run by another process on the same server connection, and the same name
 * must then mean the same text (a counter would let `page_3` of one process run another's query).
 */
function nameOf(sql: string): string | undefined {
  let name = names.get(sql);
  if (!name && names.size < MAX_PREPARED) names.set(sql, (name = `page_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`));
  return name;
}

/**
 * One query on the data source's pool, named when the data source names statements. When the
 * server lost the statement, the data source stops naming statements for the rest of the process
 * and the query runs again unnamed (it is a read or an idempotent upsert; the caller never sees
 * the error), unless configured strict.
 */
export async function poolQuery(db: DataSource, query: { name?: string; text: string; values?: unknown[] }): Promise<QueryResult> {
  const pool = (db.driver as PostgresDriver).master as Pool;
  const state = states.get(db);
  if (!query.name || !state?.enabled) return pool.query({ text: query.text, values: query.values });
  try {
    return await pool.query(query);
  } catch (error) {
    if (!lostStatement(error) || state.strict) throw error;
    if (state.enabled) {
      state.enabled = false;
      state.log?.warn({ err: error }, 'database: a named prepared statement was lost (a transaction-mode pooler?); using unnamed statements from now on (set DB_PREPARED_STATEMENTS=false or DATABASE_POOL_MODE=transaction to say so)');
    }
    return pool.query({ text: query.text, values: query.values });
  }
}

/**
 * A read whose text repeats across requests (a list page with its look-ahead), as a named prepared
 * statement: PostgreSQL parses and plans it once per connection instead of on every request, and
 * a request sends only its parameters. The embedded store (PGlite), a configuration that turns
 * them off (e.g. behind PgBouncer in transaction mode before 1.21), a server that lost one (the
 * fallback above) or a text past the bound run it as a plain query. Either way one statement.
 */
export async function queryPrepared<Row = Record<string, unknown>>(db: DataSource, sql: string, parameters: unknown[]): Promise<Row[]> {
  const name = preparedStatementsOn(db) ? nameOf(sql) : undefined;
  if (!name) return db.query(sql, parameters);
  // Past TypeORM, so counted (once, a fallback's second try included) and logged here as TypeORM would.
  countStatement(sql);
  const started = performance.now();
  try {
    const { rows } = await poolQuery(db, { name, text: sql, values: parameters });
    const ms = performance.now() - started;
    if (db.options.maxQueryExecutionTime && ms > db.options.maxQueryExecutionTime) db.logger.logQuerySlow(Math.round(ms), sql, parameters);
    return rows;
  } catch (error) {
    db.logger.logQueryError(error as Error, sql, parameters);
    throw error;
  }
}
