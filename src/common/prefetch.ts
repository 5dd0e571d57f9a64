import type { DataSource, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';
import type { Ctx } from '../context';
import { hydrateValues, hydrationPlan, type HydratedColumn } from './loaders';
import type { FieldTree } from './selection';

/*
 * Look-ahead for lists: the relations a query selects below a list's nodes are fetched in the
 * list's own statement, as JSON built by PostgreSQL, and attached to the rows they belong to. A
 * field resolver answers from `prefetched(row, field)` when it is there (synchronously, so GraphQL
 * completes the object without waiting) and from its loader otherwise. A nested read of a page of
 * demand items with their community, matches, partners and offers is then one statement.
 *
 * Related rows come as JSON arrays of their column values (no repeated key names to send and
 * parse). When only columns and prefetched relations are selected below them, they carry just
 * those columns, the keys of those relations, the id, numbers and flags; a selected resolver or
 * getter (which may read any column) brings the whole row, unless `gettersRead` names the columns
 * it reads. A `many` relation must have its resolver's order; authorization stays in the resolvers.
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
  /** The subqueries giving each row's relations (JSON values), given the list's table alias. */
  values(alias: string): string[];
  /** Attaches the related rows to one row of the list: its entity, and its values, the relations' from `offset` on. */
  attach(entity: ObjectLiteral, values: unknown[], offset: number): void;
  /** Values for `$p0`, `$p1`... in the subqueries (the page query numbers them after its own). */
  parameters?: unknown[];
}

/** A selected relation, worked out for one selection: what to fetch and how to read it back. */
interface Fetched {
  field: string;
  relation: Relation;
  meta: EntityMetadata;
  /** The columns fetched, in the order of the JSON array; the nested relations' values follow them. */
  columns: HydratedColumn[];
  nested: Fetched[];
}

/**
 * Plans by selection: the selection trees come from the parsed query, which the server keeps
 * between requests, so a repeated query reuses its plan and its SQL.
 */
const plans = new WeakMap<Relations, WeakMap<FieldTree, { fetched: Fetched[]; sql: Map<string, string[]> }>>();

/** The prefetch for a list of `entity` whose nodes select `selection`; null when no relation is selected. */
export function prefetch(ctx: Ctx, entity: EntityTarget<ObjectLiteral>, relations: Relations, selection: FieldTree): Prefetch | null {
  let byTree = plans.get(relations);
  if (!byTree) plans.set(relations, (byTree = new WeakMap()));
  let plan = byTree.get(selection);
  if (!plan) byTree.set(selection, (plan = { fetched: fetchedFor(ctx.db, relations, selection), sql: new Map() }));
  const { fetched, sql } = plan;
  if (!fetched.length) return null;
  const parent = ctx.db.getMetadata(entity);
  return {
    values: (alias) => {
      let values = sql.get(alias);
      if (!values) {
        const names = { next: 0 };
        values = fetched.map((f) => relationSql(parent, alias, f, names));
        sql.set(alias, values);
      }
      return values;
    },
    attach: (row, values, offset) => attach(ctx.db, fetched, row, values, offset),
  };
}

/**
 * Getters of entity classes that read only the named properties (`gettersRead`): selecting one
 * brings those columns, not the whole row (a getter or resolver not named here brings the whole row).
 */
const getterColumns = new WeakMap<object, Readonly<Record<string, readonly string[]>>>();

/** Declares what some getters of `entity` read, e.g. `{ remainingQuantity: ['quantity', 'heldQuantity'] }`. */
export function gettersRead(entity: Function, getters: Readonly<Record<string, readonly string[]>>): void {
  getterColumns.set(entity, { ...getterColumns.get(entity), ...getters });
}

/** Short column types, always fetched (cheap, and some checks read them). */
const NUMBERS_AND_FLAGS = new Set<unknown>(['int', 'integer', 'int4', 'smallint', 'boolean', Boolean, Number]);
/** Where a row belongs and its status, always fetched: the visibility functions (`*.visibility.ts`) decide by them. */
const SCOPE_COLUMNS = new Set(['communityId', 'partnerId', 'volunteerId', 'status']);

function fetchedFor(db: DataSource, relations: Relations | undefined, selection: FieldTree): Fetched[] {
  if (!relations) return [];
  return Object.entries(relations).flatMap(([field, relation]) => {
    const below = selection.get(field);
    if (!below) return [];
    const meta = db.getMetadata(relation.entity);
    const plan = hydrationPlan(meta);
    const properties = new Set(plan.map((c) => c.property));
    // A selected relation needs its key; any other selected field that is not a column (a resolver,
    // a getter) may read any column, so then the whole row comes.
    const keys = new Set(Object.entries(relation.nested ?? {}).filter(([name, r]) => below.has(name) && r.kind === 'one').map(([, r]) => r.key));
    const getters = typeof meta.target === 'function' ? getterColumns.get(meta.target) : undefined;
    const reads = (name: string) => (getters && Object.hasOwn(getters, name) ? getters[name] : null);
    for (const name of below.keys()) for (const read of reads(name) ?? []) keys.add(read);
    const whole = [...below.keys()].some((name) => !name.startsWith('__') && !properties.has(name) && !relation.nested?.[name] && !reads(name));
    const wanted = (c: HydratedColumn) => whole || c.metadata.isPrimary || below.has(c.property) || keys.has(c.property) || SCOPE_COLUMNS.has(c.property) || NUMBERS_AND_FLAGS.has(c.metadata.type);
    return [{ field, relation, meta, columns: plan.filter(wanted), nested: fetchedFor(db, relation.nested, below) }];
  });
}

const columnName = (meta: EntityMetadata, property: string) => {
  const column = meta.findColumnWithPropertyName(property);
  if (!column) throw new Error(`${meta.name} has no column for ${property}`);
  return column.databaseName;
};

/** A scalar subquery giving the related row (a JSON array of values, or null) or rows (an array of them, in the resolver's order). */
function relationSql(parent: EntityMetadata, parentAlias: string, f: Fetched, names: { next: number }): string {
  const t = `_t${names.next++}`;
  const values = [
    ...f.columns.map((c) => `${t}."${c.name}"`),
    ...f.nested.map((child) => relationSql(f.meta, t, child, names)),
  ].join(', ');
  const from = `FROM "${f.meta.tableName}" ${t}`;
  // Rows of two community-scoped tables are related within one community (composite foreign keys):
  // saying so keeps the subquery on one shard when the tables are distributed by community.
  const sameCommunity =
    parent.findColumnWithPropertyName('communityId') && f.meta.findColumnWithPropertyName('communityId')
      ? ` AND ${t}."community_id" = ${parentAlias}."community_id"`
      : '';
  if (f.relation.kind === 'one') {
    return `(SELECT json_build_array(${values}) ${from} WHERE ${t}."id" = ${parentAlias}."${columnName(parent, f.relation.key)}"${sameCommunity})`;
  }
  const order = Object.entries(f.relation.order ?? {}).map(([property, dir]) => `${t}."${columnName(f.meta, property)}" ${dir}`);
  return (
    `(SELECT coalesce(json_agg(json_build_array(${values})${order.length ? ` ORDER BY ${order.join(', ')}` : ''}), '[]') ` +
    `${from} WHERE ${t}."${columnName(f.meta, f.relation.key)}" = ${parentAlias}."id"${sameCommunity})`
  );
}

const PREFETCHED = Symbol('prefetched');

type WithPrefetched = { [PREFETCHED]?: Record<string, unknown> };

/** The row (null: none) or rows of `field` fetched with `row`; undefined when they were not fetched. */
export function prefetched<T>(row: object, field: string): T | undefined {
  return (row as WithPrefetched)[PREFETCHED]?.[field] as T | undefined;
}

function attach(db: DataSource, fetched: Fetched[], parent: ObjectLiteral, values: unknown[], offset: number): void {
  const found: Record<string, unknown> = {};
  fetched.forEach((f, i) => {
    const load = (row: unknown[]) => {
      const entity = hydrateValues<ObjectLiteral>(db, f.meta, f.columns, row);
      if (f.nested.length) attach(db, f.nested, entity, row, f.columns.length);
      return entity;
    };
    const value = values[offset + i] as unknown[] | unknown[][] | null;
    found[f.field] = f.relation.kind === 'one' ? value && load(value as unknown[]) : (value as unknown[][]).map(load);
  });
  Object.defineProperty(parent, PREFETCHED, { value: found, enumerable: false });
}
