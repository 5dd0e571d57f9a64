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

/**
 * Rows of `entity` whose `property` is one of `keys`: one plain statement, hydrated with the
 * entity's own column mapping (and transformers). Loaders are the hottest read path, and TypeORM's
 * query builder costs more CPU than the query itself there.
 */
async function rowsWhereIn<E extends ObjectLiteral>(
  ctx: Ctx,
  entity: EntityTarget<E>,
  property: string,
  keys: readonly string[],
  order: Record<string, 'ASC' | 'DESC'> = {},
): Promise<E[]> {
  const valid = keys.filter(isUuid);
  if (!valid.length) return [];
  const meta = ctx.db.getMetadata(entity);
  const column = (p: string) => `"${meta.findColumnWithPropertyName(p)!.databaseName}"`;
  const orderBy = Object.entries(order).map(([p, dir]) => `${column(p)} ${dir}`);
  const raw: Record<string, unknown>[] = await ctx.db.query(
    `SELECT * FROM "${meta.tableName}" WHERE ${column(property)} = ANY($1)${orderBy.length ? ` ORDER BY ${orderBy.join(', ')}` : ''}`,
    [valid],
  );
  return hydrate(ctx, entity, raw);
}

/** Entities from raw rows of their table (`SELECT *`), through the entity's column mapping and transformers. */
export function hydrate<E extends ObjectLiteral>(ctx: Ctx, entity: EntityTarget<E>, raw: Record<string, unknown>[]): E[] {
  const meta = ctx.db.getMetadata(entity);
  const driver = ctx.db.driver;
  return raw.map((row) => {
    const entityRow = meta.create() as E;
    for (const c of meta.columns) c.setEntityValue(entityRow, driver.prepareHydratedValue(row[c.databaseName], c));
    return entityRow;
  });
}

/** Rows of `entity` by primary key `id`; null where none. */
export function byId<E extends ObjectLiteral & { id: string }>(ctx: Ctx, entity: EntityTarget<E>): DataLoader<string, E | null> {
  const name = `byId:${ctx.db.getMetadata(entity).tableName}`;
  return loader<string, E | null>(ctx, name, async (ids) => {
    const rows = await rowsWhereIn(ctx, entity, 'id', ids);
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
    const rows = await rowsWhereIn(ctx, entity, column, keys, order as Record<string, 'ASC' | 'DESC'>);
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
