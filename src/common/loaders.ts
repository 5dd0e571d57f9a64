import DataLoader from 'dataloader';
import type { GraphQLSchema } from 'graphql';
import { type DataSource, type EntityMetadata, type EntityTarget, type ObjectLiteral, In } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
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
  return raw.map((row) => hydrateRow<E>(ctx.db, ctx.db.getMetadata(entity), row));
}

/** One entity from a raw row of its table, keyed by column name; keys that are not columns are ignored. */
export function hydrateRow<E extends ObjectLiteral>(db: DataSource, meta: EntityMetadata, row: Record<string, unknown>): E {
  const entity = meta.create() as Record<string, unknown>;
  for (const column of hydrationPlan(meta)) setColumn(db, entity, column, row[column.name]);
  return entity as E;
}

/** One column's value, as pg or JSON gives it, set on the entity in the entity's form. */
export function setColumn(db: DataSource, entity: Record<string, unknown>, column: HydratedColumn, value: unknown): void {
  if (column.kind === 'plain') entity[column.property] = value;
  else if (column.kind === 'timestamp') entity[column.property] = typeof value === 'string' ? new Date(value) : value;
  else column.metadata.setEntityValue(entity, db.driver.prepareHydratedValue(value, column.metadata));
}

/** One entity from `values`, the text form of `columns` (a subset of its hydration plan) in that order, from `offset` on (see `textSql`). */
export function hydrateTexts<E extends ObjectLiteral>(db: DataSource, meta: EntityMetadata, columns: HydratedColumn[], values: readonly (string | null)[], offset = 0): E {
  const entity = meta.create() as Record<string, unknown>;
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i];
    const value = values[offset + i];
    if (column.text === 'driver') setColumn(db, entity, column, value === null ? null : JSON.parse(value));
    else entity[column.property] = value === null ? null : FROM_TEXT[column.text](value);
  }
  return entity as E;
}

/**
 * A column's value as text, for a row sent as one array of texts (`array_to_json(ARRAY[...])`):
 * PostgreSQL builds JSON from a text array with one type lookup per array instead of one per value
 * (json_build_array's), which was most of a nested read's time in the database. Types read back
 * from their text form are cast; the rest are sent as their JSON text and read as before.
 */
export function textSql(alias: string, column: HydratedColumn): string {
  return column.text === 'driver' ? `to_json(${alias}."${column.name}")::text` : `${alias}."${column.name}"::text`;
}

/** How a column's text form becomes its value (timestamps: the ISO DateStyle text, which JavaScript's Date reads, as pg's own parser assumes). */
const FROM_TEXT: Record<Exclude<HydratedColumn['text'], 'driver'>, (text: string) => unknown> = {
  string: (text) => text,
  number: Number,
  boolean: (text) => text === 'true',
  json: (text) => JSON.parse(text),
  instant: parseInstant,
};

const digit = (text: string, at: number) => text.charCodeAt(at) - 48;
const two = (text: string, at: number) => digit(text, at) * 10 + digit(text, at + 1);

/**
 * A timestamptz's text in the ISO DateStyle (`2026-12-05 09:00:00.123456+08`, offset minutes and
 * seconds when not zero), read without Date's general parser, which costs several times more per
 * value; anything else (years before 1000 or after 9999, BC, infinity) goes to that parser.
 * Fractions past milliseconds are dropped, as Date's parser does.
 */
export function parseInstant(text: string): Date {
  const n = text.length;
  if (n < 22 || text.charCodeAt(4) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(0) === 48) return new Date(text);
  let at = 19;
  let ms = 0;
  if (text.charCodeAt(at) === 46) {
    let scale = 100;
    for (at++; at < n; at++) {
      const d = digit(text, at);
      if (d < 0 || d > 9) break;
      ms += d * scale;
      scale /= 10;
    }
    ms = Math.trunc(ms);
  }
  const sign = text.charCodeAt(at) === 43 ? 1 : text.charCodeAt(at) === 45 ? -1 : 0;
  if (!sign || at + 3 > n) return new Date(text);
  let offset = two(text, at + 1) * 3600;
  at += 3;
  if (at < n && text.charCodeAt(at) === 58) (offset += two(text, at + 1) * 60), (at += 3);
  if (at < n && text.charCodeAt(at) === 58) (offset += two(text, at + 1)), (at += 3);
  if (at !== n) return new Date(text);
  const year = digit(text, 0) * 1000 + digit(text, 1) * 100 + two(text, 2);
  const utc = Date.UTC(year, two(text, 5) - 1, two(text, 8), two(text, 11), two(text, 14), two(text, 17), ms);
  return Number.isNaN(utc) ? new Date(text) : new Date(utc - sign * offset * 1000);
}

/** Column types whose values pg (and JSON) already give in the entity's form. */
const PLAIN_TYPES = new Set<unknown>(['text', 'varchar', 'character varying', 'uuid', 'int', 'integer', 'int4', 'smallint', 'boolean', 'jsonb', 'json', String, Boolean]);
const TIMESTAMP_TYPES = new Set<unknown>(['timestamptz', 'timestamp with time zone', 'timestamp', 'timestamp without time zone', Date]);
/** Plain types by the way their text form is read back. */
const TEXT_FORM = new Map<unknown, HydratedColumn['text']>([
  ...['int', 'integer', 'int4', 'smallint'].map((t) => [t, 'number'] as const),
  ...['boolean', Boolean].map((t) => [t, 'boolean'] as const),
  ...['jsonb', 'json'].map((t) => [t, 'json'] as const),
]);

export interface HydratedColumn {
  name: string;
  property: string;
  /** plain: copied; timestamp: ISO string to Date; driver: TypeORM's own conversion and transformers. */
  kind: 'plain' | 'timestamp' | 'driver';
  /** How its text form (textSql) is read back: driver ones are sent as JSON and converted by TypeORM. */
  text: 'string' | 'number' | 'boolean' | 'json' | 'instant' | 'driver';
  metadata: ColumnMetadata;
}

/** How each column of an entity is hydrated, worked out once per entity (TypeORM's general path costs a lot per value). */
const plans = new WeakMap<EntityMetadata, HydratedColumn[]>();
export function hydrationPlan(meta: EntityMetadata): HydratedColumn[] {
  let plan = plans.get(meta);
  if (!plan) {
    plan = meta.columns.map((c) => {
      const simple = !c.transformer && !c.embeddedMetadata && !c.isArray;
      const kind = !simple ? 'driver' : PLAIN_TYPES.has(c.type) ? 'plain' : TIMESTAMP_TYPES.has(c.type) ? 'timestamp' : 'driver';
      const text = kind === 'plain' ? (TEXT_FORM.get(c.type) ?? 'string') : kind === 'timestamp' ? 'instant' : 'driver';
      return { name: c.databaseName, property: c.propertyName, kind, text, metadata: c };
    });
    plans.set(meta, plan);
  }
  return plan;
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
  // The order is part of the name: a list primed in one order is never read as another.
  const name = `groupedBy:${ctx.db.getMetadata(entity).tableName}.${column}:${Object.entries(order).join()}`;
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

/**
 * Forgets what the request has read: every loader's cache and the viewer's memoised roles. Called
 * after each mutation (see `answerFromDatabase`), so its answer is what the database holds after
 * the write, not rows a check read before it.
 */
export function forgetReads(ctx: Ctx): void {
  ctx.loaders.clear();
  ctx.roles = undefined;
}

/**
 * Every mutation of the schema answers what the database holds after its write: once its resolver
 * returned, the request's loaders are cleared, and the fields below its answer read fresh rows.
 * One wrapper on the Mutation type covers every mutation, whatever carries it (HTTP, WebSocket).
 */
export function answerFromDatabase(schema: GraphQLSchema): void {
  const fields = schema.getMutationType()?.getFields() ?? {};
  for (const field of Object.values(fields)) {
    const resolve = field.resolve;
    if (!resolve) continue;
    field.resolve = async (root, args, context: Ctx, info) => {
      try {
        return await resolve(root, args, context, info);
      } finally {
        // Also after a refusal: a later mutation of the same operation must not read rows cached before it.
        forgetReads(context);
      }
    };
  }
}
