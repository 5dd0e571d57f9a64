import type { DataSource, EntityManager } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';
import { PgErrorCode, pgErrorCode } from '../errors';
import { recordWrite } from './replica';

type AfterCommit = () => void | Promise<void>;
const afterCommitHooks = new WeakMap<EntityManager, AfterCommit[]>();

export interface TransactionOptions {
  isolation?: IsolationLevel;
  /** Attempts after a serialization failure or deadlock before giving up. */
  retries?: number;
}

/**
 * The one way services write: runs `work` in a transaction on its own connection, retries it on
 * serialization failures and deadlocks, and runs the after-commit hooks only once it committed.
 * Inside `work`, use only `tx`: on embedded PGlite, a second connection would wait for this one.
 */
export async function inTransaction<T>(
  db: DataSource,
  work: (tx: EntityManager) => Promise<T>,
  { isolation = 'READ COMMITTED', retries = 3 }: TransactionOptions = {},
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const runner = db.createQueryRunner();
    await runner.connect();
    const tx = runner.manager;
    const hooks: AfterCommit[] = [];
    afterCommitHooks.set(tx, hooks);
    let result: T;
    try {
      await runner.startTransaction(isolation);
      result = await work(tx);
      await runner.commitTransaction();
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      const code = pgErrorCode(error);
      const retryable = code === PgErrorCode.serializationFailure || code === PgErrorCode.deadlockDetected;
      if (!retryable || attempt >= retries) throw error;
      continue;
    } finally {
      afterCommitHooks.delete(tx);
      await runner.release();
    }
    // With a read replica, the writer's next reads wait until it has replayed this (db/replica.ts).
    await recordWrite(db).catch(() => undefined);
    // After release: a hook may use the database, and on PGlite the connection must be free first.
    for (const hook of hooks) {
      try {
        await hook();
      } catch {
        // The change is committed; a failed side effect must not turn its success into an error.
      }
    }
    return result;
  }
}

/** Defers `hook` until the transaction of `tx` has committed; it never runs after a rollback. */
export function afterCommit(tx: EntityManager, hook: AfterCommit): void {
  const hooks = afterCommitHooks.get(tx);
  if (!hooks) throw new Error('afterCommit needs a manager from inTransaction');
  hooks.push(hook);
}
