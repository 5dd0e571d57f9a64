import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { countStatement } from './query-counter';

/** Statement names by SQL text; bounded so that an unusual stream of texts cannot grow the server's memory. */
const names = new Map<string, string>();
const MAX_PREPARED = 200;

/**
 * A read whose text repeats across requests (a list page with its look-ahead), as a named prepared
 * statement: PostgreSQL parses and plans it once per connection instead of on every request, and
 * a request sends only its parameters. The embedded store (PGlite), a configuration that turns
 * them off (e.g. behind PgBouncer in transaction mode before 1.21), or a text past the bound run
 * it as a plain query.
 */
export async function queryPrepared(db: DataSource, sql: string, parameters: unknown[]): Promise<Record<string, unknown>[]> {
  const usable = preparedStatementsEnabled.get(db) ?? false;
  let name = usable ? names.get(sql) : undefined;
  if (usable && !name && names.size < MAX_PREPARED) names.set(sql, (name = `page_${names.size}`));
  if (!name) return db.query(sql, parameters);
  // Past TypeORM, so counted and logged (errors, slow statements) here as TypeORM would.
  countStatement(sql);
  const pool = (db.driver as PostgresDriver).master as Pool;
  const started = performance.now();
  try {
    const result = await pool.query({ name, text: sql, values: parameters });
    const ms = performance.now() - started;
    if (db.options.maxQueryExecutionTime && ms > db.options.maxQueryExecutionTime) db.logger.logQuerySlow(Math.round(ms), sql, parameters);
    return result.rows;
  } catch (error) {
    db.logger.logQueryError(error as Error, sql, parameters);
    throw error;
  }
}

/** Data sources on a PostgreSQL server that may prepare statements (set where the data source is created). */
export const preparedStatementsEnabled = new WeakMap<DataSource, boolean>();
