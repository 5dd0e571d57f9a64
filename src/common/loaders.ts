import DataLoader from 'dataloader';
import { type EntityTarget, type ObjectLiteral, In } from 'typeorm';
import type { Ctx } from '../context';
import { isUuid } from './ids';

/** The request's DataLoader called `name`, created on first use: one batch per relation per request. */
export function loader<K, V>(
  ctx: Ctx,
  name: string,
  batch: (keys: readonly K[]) => Promise<ArrayLike<V | Error>>,
): DataLoader<K, V> {
  let found = ctx.loaders.get(name) as DataLoader<K, V> | undefined;
  if (!found) {
    found = new DataLoader<K, V>(batch, { maxBatchSize: 1000 });
    ctx.loaders.set(name, found as DataLoader<unknown, unknown>);
  }
  return found;
}

/** Rows of `entity` by primary key `id`; null where none. */
export function byId<E extends ObjectLiteral & { id: string }>(ctx: Ctx, entity: EntityTarget<E>): DataLoader<string, E | null> {
  const name = `byId:${ctx.db.getMetadata(entity).tableName}`;
  return loader<string, E | null>(ctx, name, async (ids) => {
    const valid = ids.filter(isUuid);
    const rows = valid.length ? await ctx.db.getRepository(entity).find({ where: { id: In(valid) } as never }) : [];
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

/** Rows of `entity` grouped by the value of `column` (a property name), ordered by `order`. */
export function groupedBy<E extends ObjectLiteral>(
  ctx: Ctx,
  entity: EntityTarget<E>,
  column: keyof E & string,
  order: Partial<Record<keyof E & string, 'ASC' | 'DESC'>> = {},
): DataLoader<string, E[]> {
  const name = `groupedBy:${ctx.db.getMetadata(entity).tableName}.${column}`;
  return loader<string, E[]>(ctx, name, async (keys) => {
    const valid = keys.filter(isUuid);
    const rows = valid.length ? await ctx.db.getRepository(entity).find({ where: { [column]: In(valid) } as never, order: order as never }) : [];
    const groups = new Map<string, E[]>(keys.map((k) => [k, []]));
    for (const row of rows) groups.get(row[column] as string)?.push(row);
    return keys.map((k) => groups.get(k)!);
  });
}

/** Loads B rows linked to each A through a link table, in two queries for the whole request. */
export function linked<L extends object, B extends { id: string }>(
  ctx: Ctx,
  name: string,
  link: new () => L,
  from: keyof L & string,
  to: keyof L & string,
  target: new () => B,
) {
  return loader<string, B[]>(ctx, name, async (ids) => {
    const links = await ctx.db.getRepository(link).findBy({ [from]: In([...ids]) } as never);
    const rows = await byId(ctx, target as never).loadMany(links.map((l) => l[to] as string));
    const found = new Map((rows as (B | null | Error)[]).filter((r): r is B => !!r && !(r instanceof Error)).map((r) => [r.id, r]));
    return ids.map((id) => links.filter((l) => l[from] === id).map((l) => found.get(l[to] as string)).filter((b): b is B => !!b));
  });
}
