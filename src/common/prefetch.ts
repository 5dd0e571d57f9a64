import type { DataSource, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';
import type { Ctx } from '../context';
import { hydrateTexts, hydrationPlan, textSql, type HydratedColumn } from './loaders';
import type { FieldTree } from './selection';

/*
 * Look-ahead for lists: the relations a query selects below a list's nodes are fetched in the
 * list's own statement and attached to the rows they belong to. A field resolver answers from
 * `prefetched(row, field)` when it is there (synchronously, so GraphQL completes the object without
 * waiting) and from its loader otherwise. A nested read of a page of demand items with their
 * community, matches, partners and offers is then one statement.
 *
 * Each row comes as one JSON array of texts (`array_to_json(ARRAY[...])`): its own columns, then
 * those of its to-one relations, LEFT JOINed on their keys (a join costs PostgreSQL less than a
 * subquery run once per row). Its to-many relations follow as JSON arrays of such rows, each in the
 * resolver's order (`ARRAY(SELECT ... ORDER BY ...)`, which an index gives presorted). A row of
 * a to-many relation that has to-many relations of its own is `[texts, relation, ...]`.
 *
 * When only columns and prefetched relations are selected below a relation, it carries just those
 * columns, the keys of its relations, the id, numbers and flags; a selected resolver or getter
 * (which may read any column) brings the whole row, unless `fieldsRead` names the columns it
 * reads. A to-one row's id is its parent's key: it is not sent again when a column that is never
 * null shows whether the row is there. A `many` relation must have its resolver's order;
 * authorization stays in the resolvers.
 */

export interface Relation {
  entity: EntityTarget<ObjectLiteral>;
  /** one: the row whose id is the parent's `key` property; many: the rows whose `key` property is the parent's id. */
  kind: 'one' | 'many';
  key: string;
  /** For `many`: the order of the resolver's list. */
  order?: Record<string, 'ASC' | 'DESC'>;
  /** Relations of the related rows, by their GraphQL field names. */
  nested?: Relations;
}

/** Relations of a node type by GraphQL field name. */
export type Relations = Record<string, Relation>;

export const one = (entity: EntityTarget<ObjectLiteral>, key: string, nested?: Relations): Relation => ({ entity, kind: 'one', key, nested });

export const many = (entity: EntityTarget<ObjectLiteral>, key: string, order: Record<string, 'ASC' | 'DESC'>, nested?: Relations): Relation => ({
  entity,
  kind: 'many',
  key,
  order,
  nested,
});

/** What a list fetches with its rows: the relations its query selects, and how to attach them. */
export interface Prefetch {
  /** The list's own columns that its selection reads (see `prefetch`'s ownColumns); all of them when absent. */
  own?: HydratedColumn[];
  /** LEFT JOINs to follow the list's FROM, given the list's table alias (its to-one relations). */
  joins?(alias: string): string;
  /** Texts (SQL) to follow the row's own columns in its array of texts: the joined relations' columns. */
  texts?(alias: string): string[];
  /** Further values of each row (SQL, any type), each a column of the list's statement: to-many relations, extras. */
  values(alias: string): string[];
  /**
   * Attaches what came with one row of the list to its entity: its array of texts (the list's own
   * columns, then this prefetch's from `textOffset` on) and its further values (this prefetch's
   * from `offset` on).
   */
  attach(entity: ObjectLiteral, values: unknown[], offset: number, texts: readonly (string | null)[], textOffset: number): void;
  /** Values for `$p0`, `$p1`... in the subqueries (the page query numbers them after its own). */
  parameters?: unknown[];
}

/** A selected relation, worked out for one selection: what to fetch and how to read it back. */
interface Fetched {
  field: string;
  relation: Relation;
  meta: EntityMetadata;
  /** The columns fetched, in the order of its texts; those of its to-one relations follow them. */
  columns: HydratedColumn[];
  /** Where a column that is never null is among `columns` (null there: no related row). */
  present: number;
  /**
   * A to-one relation's primary key property, when it is not fetched: the parent's key holds the
   * same value (the join is on it), and a nested read's rows would otherwise carry every related
   * row's id twice.
   */
  idFromKey: string | null;
  nested: Fetched[];
  /** Its rows are `[texts, relation, ...]`: to-many relations below them (only for `many`). */
  rowsWithValues: boolean;
}

/** Whether relationsSql gives these relations any values (a to-many relation, here or below a to-one one). */
const hasValues = (fetched: Fetched[]): boolean => fetched.some((f) => f.relation.kind === 'many' || hasValues(f.nested));

/**
 * Plans by selection: the selection trees come from the parsed query, which the server keeps
 * between requests, so a repeated query reuses its plan and its SQL.
 */
const plans = new WeakMap<Relations, WeakMap<FieldTree, { fetched: Fetched[]; own: HydratedColumn[]; sql: Map<string, RelationsSql> }>>();

/**
 * The prefetch for a list of `entity` whose nodes select `selection`; null when no relation is
 * selected (and `ownColumns` is not asked). With `ownColumns`, the list's rows carry only the
 * columns the selection reads, by the same rule as its relations: for lists whose own code and
 * field resolvers read nothing beyond them and the scope columns (the caller vouches for that).
 */
export function prefetch(ctx: Ctx, entity: EntityTarget<ObjectLiteral>, relations: Relations, selection: FieldTree, { ownColumns = false } = {}): Prefetch | null {
  let byTree = plans.get(relations);
  if (!byTree) plans.set(relations, (byTree = new WeakMap()));
  let plan = byTree.get(selection);
  const parent = ctx.db.getMetadata(entity);
  if (!plan) byTree.set(selection, (plan = { fetched: fetchedFor(ctx.db, relations, selection), own: selectedColumns(parent, relations, selection), sql: new Map() }));
  const { fetched, sql } = plan;
  const own = ownColumns ? plan.own : undefined;
  if (!fetched.length && !own) return null;
  const sqlFor = (alias: string) => {
    let found = sql.get(alias);
    if (!found) sql.set(alias, (found = relationsSql(parent, alias, fetched, { next: 0 })));
    return found;
  };
  return {
    own,
    joins: (alias) => sqlFor(alias).joins.join(''),
    texts: (alias) => sqlFor(alias).texts,
    values: (alias) => sqlFor(alias).values,
    attach: (row, values, offset, texts, textOffset) => {
      if (fetched.length) attach(ctx.db, fetched, row, texts, textOffset, values, offset);
    },
  };
}

/**
 * Fields of entity classes that read only the named properties (`fieldsRead`): getters, field
 * resolvers, and columns exposed under another name. Selecting one brings those columns, not the
 * whole row (a getter or resolver not named here brings the whole row).
 */
const fieldColumns = new WeakMap<object, Readonly<Record<string, readonly string[]>>>();

/**
 * Declares what some GraphQL fields of `entity` read, e.g. `{ remainingQuantity: ['quantity', 'heldQuantity'] }`;
 * a field resolver's entry must name every column it and the checks it makes read.
 */
export function fieldsRead(entity: Function, fields: Readonly<Record<string, readonly string[]>>): void {
  fieldColumns.set(entity, { ...fieldColumns.get(entity), ...fields });
}

/** Short column types, always fetched (cheap, and some checks read them). */
const NUMBERS_AND_FLAGS = new Set<unknown>(['int', 'integer', 'int4', 'smallint', 'boolean', Boolean, Number]);
/** Where a row belongs and its status, always fetched: the visibility functions (`*.visibility.ts`) decide by them. */
const SCOPE_COLUMNS = new Set(['communityId', 'partnerId', 'volunteerId', 'status']);

/**
 * The columns of `meta` that a selection of its fields reads: those selected, the keys of its
 * selected to-one relations, what declared fields read, the id, scope columns, numbers and flags;
 * every column when a selected field is a resolver or getter that may read any.
 */
function selectedColumns(meta: EntityMetadata, relations: Relations | undefined, below: FieldTree): HydratedColumn[] {
  const plan = hydrationPlan(meta);
  const properties = new Set(plan.map((c) => c.property));
  // A selected relation needs its key; any other selected field that is not a column (a resolver,
  // a getter) may read any column, so then the whole row comes.
  const keys = new Set(Object.entries(relations ?? {}).filter(([name, r]) => below.has(name) && r.kind === 'one').map(([, r]) => r.key));
  const declared = typeof meta.target === 'function' ? fieldColumns.get(meta.target) : undefined;
  const reads = (name: string) => (declared && Object.hasOwn(declared, name) ? declared[name] : null);
  for (const name of below.keys()) for (const read of reads(name) ?? []) keys.add(read);
  const whole = [...below.keys()].some((name) => !name.startsWith('__') && !properties.has(name) && !relations?.[name] && !reads(name));
  if (whole) return plan;
  return plan.filter((c) => c.metadata.isPrimary || below.has(c.property) || keys.has(c.property) || SCOPE_COLUMNS.has(c.property) || NUMBERS_AND_FLAGS.has(c.metadata.type));
}

function fetchedFor(db: DataSource, relations: Relations | undefined, selection: FieldTree): Fetched[] {
  if (!relations) return [];
  return Object.entries(relations).flatMap(([field, relation]) => {
    const below = selection.get(field);
    if (!below) return [];
    const meta = db.getMetadata(relation.entity);
    let columns = selectedColumns(meta, relation.nested, below);
    // A to-one row is known to be there by a column that is never null: then its id need not come.
    const marker = relation.kind === 'one' && meta.primaryColumns.length === 1 ? columns.find((c) => !c.metadata.isPrimary && !c.metadata.isNullable) : undefined;
    const idFromKey = marker ? meta.primaryColumns[0].propertyName : null;
    if (marker) columns = columns.filter((c) => !c.metadata.isPrimary);
    const present = marker ? columns.indexOf(marker) : columns.findIndex((c) => c.metadata.isPrimary);
    const nested = fetchedFor(db, relation.nested, below);
    return [{ field, relation, meta, columns, present, idFromKey, nested, rowsWithValues: hasValues(nested) }];
  });
}

const columnName = (meta: EntityMetadata, property: string) => {
  const column = meta.findColumnWithPropertyName(property);
  if (!column) throw new Error(`${meta.name} has no column for ${property}`);
  return column.databaseName;
};

/** The SQL of some relations of a row whose table has `alias`: joins and texts for the to-one ones, values for the to-many ones. */
interface RelationsSql {
  joins: string[];
  texts: string[];
  values: string[];
}

function relationsSql(parent: EntityMetadata, parentAlias: string, fetched: Fetched[], names: { next: number }): RelationsSql {
  const out: RelationsSql = { joins: [], texts: [], values: [] };
  for (const f of fetched) {
    const t = `_t${names.next++}`;
    // Rows of two community-scoped tables are related within one community (composite foreign keys):
    // saying so keeps the join on one shard when the tables are distributed by community.
    const sameCommunity =
      parent.findColumnWithPropertyName('communityId') && f.meta.findColumnWithPropertyName('communityId')
        ? ` AND ${t}."community_id" = ${parentAlias}."community_id"`
        : '';
    if (f.relation.kind === 'one') {
      out.joins.push(` LEFT JOIN "${f.meta.tableName}" ${t} ON ${t}."id" = ${parentAlias}."${columnName(parent, f.relation.key)}"${sameCommunity}`);
      const below = relationsSql(f.meta, t, f.nested, names);
      out.joins.push(...below.joins);
      out.texts.push(...f.columns.map((c) => textSql(t, c)), ...below.texts);
      out.values.push(...below.values);
      continue;
    }
    const below = relationsSql(f.meta, t, f.nested, names);
    const texts = `array_to_json(ARRAY[${[...f.columns.map((c) => textSql(t, c)), ...below.texts].join(', ')}])`;
    const row = below.values.length ? `json_build_array(${texts}, ${below.values.join(', ')})` : texts;
    const order = Object.entries(f.relation.order ?? {}).map(([property, dir]) => `${t}."${columnName(f.meta, property)}" ${dir}`);
    out.values.push(
      `array_to_json(ARRAY(SELECT ${row} FROM "${f.meta.tableName}" ${t}${below.joins.join('')} ` +
        `WHERE ${t}."${columnName(f.meta, f.relation.key)}" = ${parentAlias}."id"${sameCommunity}${order.length ? ` ORDER BY ${order.join(', ')}` : ''}))`,
    );
  }
  return out;
}

const PREFETCHED = Symbol('prefetched');

type WithPrefetched = { [PREFETCHED]?: Record<string, unknown> };

/** The row (null: none) or rows of `field` fetched with `row`; undefined when they were not fetched. */
export function prefetched<T>(row: object, field: string): T | undefined {
  return (row as WithPrefetched)[PREFETCHED]?.[field] as T | undefined;
}

/**
 * Attaches the relations in `fetched` to `parent` from its texts (from `at`) and values (from
 * `valueAt`), in the order relationsSql wrote them; answers where its relations' texts and values end.
 */
function attach(
  db: DataSource,
  fetched: Fetched[],
  parent: ObjectLiteral,
  texts: readonly (string | null)[],
  at: number,
  values: readonly unknown[],
  valueAt: number,
): [number, number] {
  const found: Record<string, unknown> = {};
  for (const f of fetched) {
    if (f.relation.kind === 'one') {
      const entity = hydrateTexts<ObjectLiteral>(db, f.meta, f.columns, texts, at);
      if (f.idFromKey) entity[f.idFromKey] = parent[f.relation.key];
      // No row joined: every column is null, the one that never is too.
      found[f.field] = texts[at + f.present] === null ? null : entity;
      [at, valueAt] = attach(db, f.nested, entity, texts, at + f.columns.length, values, valueAt);
      continue;
    }
    const rows = values[valueAt++] as unknown[];
    const list: ObjectLiteral[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      // `[texts, relation, ...]` when the rows have to-many relations below them, else the texts.
      const row = rows[i] as unknown[];
      const own = (f.rowsWithValues ? row[0] : row) as (string | null)[];
      const entity = (list[i] = hydrateTexts<ObjectLiteral>(db, f.meta, f.columns, own));
      if (f.nested.length) attach(db, f.nested, entity, own, f.columns.length, row, 1);
    }
    found[f.field] = list;
  }
  Object.defineProperty(parent, PREFETCHED, { value: found, enumerable: false });
  return [at, valueAt];
}
