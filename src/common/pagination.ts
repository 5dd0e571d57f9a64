import { ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { Max, Min } from 'class-validator';
import type { EntityMetadata, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { BadUserInputError } from '../errors';
import { isUuid } from './ids';
import { instantProblem } from './input-guard';
import { queryPrepared } from '../db/prepared';
import { hydrateTexts, hydrationPlan, textSql, type HydratedColumn } from './loaders';
import type { Prefetch } from './prefetch';
import type { FieldTree } from './selection';
import { msg } from '../i18n/messages';

export const MAX_PAGE_SIZE = 100;

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

export interface Page<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  /** A getter: counted only when the client asks for it. */
  readonly totalCount: Promise<number>;
}

/** The Relay connection and edge types for `node`, named `${name}Connection` and `${name}Edge`. */
export function ConnectionType<T extends object>(node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field()
    cursor: string;

    @Field(() => node)
    node: T;
  }

  @ObjectType(`${name}Connection`)
  class Connection {
    @Field(() => [Edge])
    edges: Edge[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;

    // A promise (counted on demand): a field resolver, not a plain property, so that compiled
    // execution awaits it (graphql-jit reads plain properties as ready values).
    @Field(() => Int, { simple: false })
    totalCount: number;
  }
  return Connection;
}

/**
 * One column of a keyset order: its SQL, direction, what kind of value it holds (a cursor from a
 * client is checked against it before it reaches SQL), and how to read it back from a row.
 */
export interface SortKey<E> {
  sql: string;
  dir: 'ASC' | 'DESC';
  kind: 'instant' | 'uuid' | 'int';
  value: (row: E) => string | number;
}

export interface PageArgs {
  /** Null means the list's default page size. */
  first?: number | null;
  after?: string | null;
}

const DEFAULT_PAGE_SIZE = 20;

export function pageArgsFactory(defaultFirst: number) {
  @ArgsType()
  class Args implements PageArgs {
    @Field(() => Int, { nullable: true, defaultValue: defaultFirst })
    @Min(0)
    @Max(MAX_PAGE_SIZE)
    first: number | null;

    @Field(() => String, { nullable: true })
    after?: string | null;
  }
  return Args;
}

/** Cursors this server hands out are a few dozen characters; anything much longer is not one. */
const CURSOR_MAX = 500;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

const cursorValueFits: Record<SortKey<unknown>['kind'], (v: unknown) => boolean> = {
  instant: (v) => typeof v === 'string' && ISO_INSTANT.test(v) && instantProblem(new Date(v)) === null,
  uuid: (v) => typeof v === 'string' && isUuid(v),
  int: (v) => typeof v === 'number' && Number.isSafeInteger(v),
};

/** The cursor's values, each of its key's kind; anything else is refused naming `after` (also for pages read without `paginate`). */
export function decodeCursor<E>(after: string, keys: SortKey<E>[]): (string | number)[] {
  if (after.length <= CURSOR_MAX) {
    try {
      const values: unknown = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
      if (Array.isArray(values) && values.length === keys.length && keys.every((k, i) => cursorValueFits[k.kind](values[i]))) {
        return values as (string | number)[];
      }
    } catch {
      /* fall through */
    }
  }
  throw BadUserInputError.field('after', msg('field.notACursor'));
}

/** A cursor as `paginate` writes it (for lists that build a page themselves, e.g. one batched across parents). */
export const encodeCursor = (values: (string | number)[]) => Buffer.from(JSON.stringify(values)).toString('base64url');

/** The page size asked for (null: the default), refused naming `first` outside 0..MAX_PAGE_SIZE. */
export function pageSize(requested: number | null | undefined): number {
  const first = requested ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw BadUserInputError.field('first', msg('field.betweenZeroAnd', { max: MAX_PAGE_SIZE }));
  }
  return first;
}

/**
 * Keyset pagination: rows strictly after the cursor in the order of `keys`, whose last key must be
 * unique (the id). Cost does not depend on how deep the page is, and inserts never shift a page.
 * `qb` selects from one table; with a `prefetch`, the relations the query selects below the nodes
 * come in the same statement (see prefetch.ts). With `countWithPage` (when the client selects
 * totalCount), the count of every matching row comes in the page's statement too; only a page
 * past the end, which has no row to carry it, counts in a statement of its own. One row past the
 * page is read to answer hasNextPage, unless `hasNextPage` is false (the client did not ask for it:
 * see `pageNeeds`).
 */
export async function paginate<E extends ObjectLiteral>(
  qb: SelectQueryBuilder<E>,
  keys: SortKey<E>[],
  { first: requested, after }: PageArgs,
  prefetch: Prefetch | null = null,
  { countWithPage = false, hasNextPage: peek = true, totalCount: countable = true }: PageNeeds = {},
): Promise<Page<E>> {
  const first = pageSize(requested);
  // The query before the cursor and order are added, for the count (cloning a query builder costs
  // as much as building it: not done when the client did not select totalCount).
  const counter = countable || countWithPage ? qb.clone() : null;
  let count: Promise<number> | undefined;
  if (countWithPage) qb.select(`(SELECT count(*)::int FROM (${counter!.clone().select('1').getQuery()}) AS matching)`, 'counted');
  if (after) {
    const values = decodeCursor(after, keys);
    const params: Record<string, string | number> = {};
    values.forEach((v, i) => (params[`cur${i}`] = v));
    qb.andWhere(keysetCondition(keys), params);
  }
  keys.forEach((k, i) => (i === 0 ? qb.orderBy(k.sql, k.dir) : qb.addOrderBy(k.sql, k.dir)));
  const rows = first === 0 ? [] : await pageRows(qb, peek ? first + 1 : first, prefetch, countWithPage, ownColumns(qb.expressionMap.mainAlias!.metadata, prefetch, keys));
  if (countWithPage && rows.length) count = Promise.resolve(counted.get(rows[0])!);
  const hasNextPage = peek ? rows.length > first : null;
  // Cursors are encoded when asked for: most reads of a page never select them.
  const edges = rows.slice(0, first).map((node) => ({
    node,
    get cursor() {
      return encodeCursor(keys.map((k) => k.value(node)));
    },
  }));
  return {
    edges,
    pageInfo: {
      get hasNextPage(): boolean {
        // Not asked for, so not read: a caller that reads it anyway must say it needs it.
        if (hasNextPage === null) throw new Error('hasNextPage was not fetched (paginate with hasNextPage: true)');
        return hasNextPage;
      },
      get endCursor() {
        return edges.length ? edges[edges.length - 1].cursor : (after ?? null);
      },
    },
    get totalCount() {
      if (!counter) throw new Error('totalCount was not selected (paginate with totalCount: true)');
      return (count ??= counter.getCount());
    },
  };
}

/** What a page's answer needs beyond its rows. */
export interface PageNeeds {
  /** The count of every matching row, in the page's statement. */
  countWithPage?: boolean;
  /** Whether a next page exists (one more row is read); true unless the client did not ask. */
  hasNextPage?: boolean;
  /** Whether totalCount may be read (in a statement of its own unless countWithPage); true unless the client did not ask. */
  totalCount?: boolean;
}

/** What the client asked of a connection (its selection tree), beyond the rows. */
export function pageNeeds(connection: FieldTree | undefined): PageNeeds {
  return {
    countWithPage: !!connection?.has('totalCount'),
    hasNextPage: !connection || !!connection.get('pageInfo')?.has('hasNextPage'),
    totalCount: !connection || connection.has('totalCount'),
  };
}

/** The count of all matching rows that came with a page's rows (countWithPage). */
const counted = new WeakMap<object, number>();

/**
 * The page's rows from one plain statement, each row one JSON array of the texts of its columns
 * followed by its prefetched to-one relations' (see prefetch.ts), and its further prefetched values
 * as columns of their own: one JSON.parse a row, and no TypeORM entity building (which costs more
 * CPU than the query on these hot paths).
 */
async function pageRows<E extends ObjectLiteral>(
  qb: SelectQueryBuilder<E>,
  limit: number,
  prefetch: Prefetch | null,
  withCount: boolean,
  plan: HydratedColumn[],
): Promise<E[]> {
  const { name, metadata } = qb.expressionMap.mainAlias!;
  const alias = `"${name}"`;
  // TypeORM writes FROM, WHERE, ORDER BY and LIMIT with the parameters (and the count's subquery,
  // selected before this); the rest of the select list is ours (the prefetch subqueries are long,
  // and TypeORM would scan them for property names).
  const [rest, parameters] = pageQuery((withCount ? qb : qb.select('1')).take(undefined).limit(limit));
  // The prefetch's joins follow the list's own table (before any join TypeORM wrote).
  const from = `${withCount ? ') AS "counted" ' : 'SELECT 1 '}FROM "${metadata.tableName}" ${alias}`;
  const at = rest.indexOf(from);
  if (at < 0 || (!withCount && at > 0)) throw new Error(`unexpected page query: ${rest}`);
  const tail = rest.slice(at + from.length);
  const head = withCount ? `, ${rest.slice('SELECT '.length, at + ') AS "counted" '.length)}` : ' ';
  const texts = [...plan.map((c) => textSql(alias, c)), ...(prefetch?.texts?.(alias) ?? [])];
  const values = prefetch?.values(alias) ?? [];
  // The prefetch's own parameters ($p0, $p1...) follow the page query's.
  const extra = prefetch?.parameters ?? [];
  const renumber = (sql: string) => (extra.length ? sql.replace(/\$p(\d+)\b/g, (_, i) => `$${parameters.length + 1 + Number(i)}`) : sql);
  const select = [`array_to_json(ARRAY[${texts.join(', ')}]) AS "row"`, ...values.map((v, i) => `${v} AS "v${i}"`)].join(', ');
  const sql = renumber(`SELECT ${select}${head}FROM "${metadata.tableName}" ${alias}${prefetch?.joins?.(alias) ?? ''}`) + tail;
  const raw = await queryPrepared<Record<string, unknown>>(qb.connection, sql, extra.length ? [...parameters, ...extra] : parameters);
  const further = values.map((_, i) => `v${i}`);
  return raw.map((result) => {
    const row = result.row as (string | null)[];
    const entity = hydrateTexts<E>(qb.connection, metadata, plan, row);
    prefetch?.attach(entity, further.map((k) => result[k]), 0, row, plan.length);
    if (withCount) counted.set(entity, result.counted as number);
    return entity;
  });
}

/**
 * The list's own columns to fetch: those its prefetch names (`own`) and its sort keys' (cursors
 * are written from them); every column when it names none, or when a key is not a plain column.
 */
function ownColumns<E>(metadata: EntityMetadata, prefetch: Prefetch | null, keys: SortKey<E>[]): HydratedColumn[] {
  const plan = hydrationPlan(metadata);
  if (!prefetch?.own) return plan;
  const wanted = new Set(prefetch.own);
  for (const key of keys) {
    const name = /^[\w"]+\."?(\w+)"?$/.exec(key.sql)?.[1];
    const column = plan.find((c) => c.name === name);
    if (!column) return plan;
    wanted.add(column);
  }
  return plan.filter((c) => wanted.has(c));
}

/** TypeORM's query text (with :named parameters) by query shape; bounded. */
const pageQueries = new Map<string, string>();
const PAGE_QUERIES_MAX = 500;

/**
 * The query and its positional parameters. A list's requests differ in parameter values only, so
 * TypeORM's text for a shape (table, conditions, order, limit) is built once: building it costs
 * more CPU than the rest of a small page. Shapes with joins, CTEs, grouping or locks are built each time.
 */
function pageQuery<E extends ObjectLiteral>(qb: SelectQueryBuilder<E>): [string, unknown[]] {
  const e = qb.expressionMap;
  const plain =
    !e.joinAttributes.length && !e.commonTableExpressions.length && !e.groupBys.length && !e.havings.length && !e.lockMode && !e.comment &&
    e.offset === undefined && e.skip === undefined && e.take === undefined && e.wheres.every((w) => typeof w.condition === 'string');
  if (!plain) return qb.getQueryAndParameters();
  const shape = JSON.stringify([e.mainAlias!.metadata.tableName, e.mainAlias!.name, e.selects, e.wheres, e.orderBys, e.limit]);
  let query = pageQueries.get(shape);
  if (query === undefined) {
    query = qb.getQuery();
    if (pageQueries.size < PAGE_QUERIES_MAX) pageQueries.set(shape, query);
  }
  return qb.connection.driver.escapeQueryWithParameters(query, qb.getParameters());
}

/**
 * "After the cursor" in SQL. With one direction throughout it is a row comparison,
 * `(a, b) > (:cur0, :cur1)`, which PostgreSQL answers with one range scan of an index on (a, b);
 * mixed directions need the expanded OR form.
 */
function keysetCondition<E>(keys: SortKey<E>[]): string {
  const dir = keys[0].dir;
  if (keys.every((k) => k.dir === dir)) {
    return `(${keys.map((k) => k.sql).join(', ')}) ${dir === 'ASC' ? '>' : '<'} (${keys.map((_, i) => `:cur${i}`).join(', ')})`;
  }
  const alternatives = keys.map((key, i) => {
    const equal = keys.slice(0, i).map((k, j) => `${k.sql} = :cur${j}`);
    return [...equal, `${key.sql} ${key.dir === 'ASC' ? '>' : '<'} :cur${i}`].join(' AND ');
  });
  return `(${alternatives.map((a) => `(${a})`).join(' OR ')})`;
}

/** The usual order of a list: oldest first by creation time, then id. */
export function createdOrder<E extends { id: string; createdAt: Date }>(alias: string): SortKey<E>[] {
  return [
    { sql: `${alias}.created_at`, dir: 'ASC', kind: 'instant', value: (r) => r.createdAt.toISOString() },
    { sql: `${alias}.id`, dir: 'ASC', kind: 'uuid', value: (r) => r.id },
  ];
}
