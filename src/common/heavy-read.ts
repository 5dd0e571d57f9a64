import type { DataSource } from 'typeorm';
import type { Ctx } from '../context';
import { readFromReplica } from '../db/replica';

/** Per request context, its twin on the replica: the heavy reads of one request share its loaders (one batch for a page of rooms). */
const onReplica = new WeakMap<Ctx, { db: DataSource; ctx: Ctx }>();

/**
 * A heavy read (public board, summaries, list pages, availability, calendar feeds, exports) on the
 * read replica when it may serve the viewer (db/replica.ts), else on the primary: `read` gets a
 * context whose `db` is the one chosen, with loaders of its own so that none mixes the two. Never
 * for a read inside a transaction, nor for one a write or an authorization decision relies on.
 */
export function heavyRead<T>(ctx: Ctx, read: (ctx: Ctx) => Promise<T>): Promise<T> {
  return readFromReplica(ctx.db, ctx.viewer.userId, (db) => {
    if (db === ctx.db) return read(ctx);
    let twin = onReplica.get(ctx);
    if (twin?.db !== db) onReplica.set(ctx, (twin = { db, ctx: { ...ctx, db, loaders: new Map() } }));
    return read(twin.ctx);
  });
}
