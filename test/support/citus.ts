import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';

/** deploy/citus.sql, read as the statements it runs. */
export function citusScript() {
  const sql = readFileSync(path.join(__dirname, '..', '..', 'deploy', 'citus.sql'), 'utf8')
    .split('\n')
    .map((line) => line.replace(/--.*$/, ''))
    .join('\n');
  const at = (re: RegExp) => [...sql.matchAll(re)].map((m) => ({ m, index: m.index! }));
  const drops = at(/ALTER TABLE (\w+) DROP CONSTRAINT (\w+);/g).map(({ m, index }) => ({ key: `${m[1]}.${m[2]}`, index }));
  const references = at(/SELECT create_reference_table\('(\w+)'\);/g).map(({ m, index }) => ({ table: m[1], index }));
  const distributed = at(/SELECT create_distributed_table\('(\w+)', '(\w+)', colocate_with => '(\w+)'\);/g).map(({ m, index }) => ({
    table: m[1],
    column: m[2],
    colocateWith: m[3],
    index,
  }));
  const statements = sql.split(';').filter((s) => s.trim()).length;
  return { drops, references, distributed, statements };
}

/** The distribution the script sets up: each distributed table's column and colocation group (named by its first table). */
export interface DistributionPlan {
  distributed: Record<string, { column: string; group: string }>;
  reference: string[];
}

export function distributionPlan(script = citusScript()): DistributionPlan {
  const distributed: DistributionPlan['distributed'] = {};
  for (const d of script.distributed) {
    distributed[d.table] = { column: d.column, group: d.colocateWith === 'none' ? d.table : distributed[d.colocateWith].group };
  }
  return { distributed, reference: script.references.map((r) => r.table) };
}

/** One statement the app sent, with its parameters. */
export interface Statement {
  sql: string;
  parameters: unknown[];
}

/**
 * Records every statement the app sends through TypeORM (its logger sees each one with its
 * parameters) while `on`. List pages run as named prepared statements past TypeORM: start the app
 * with DB_PREPARED_STATEMENTS=false so they pass here too, with the same text.
 */
export function recordStatements(db: DataSource) {
  const statements: Statement[] = [];
  const recorder = { on: false, statements };
  const logger = db.logger;
  const logQuery = logger.logQuery.bind(logger);
  logger.logQuery = (sql, parameters, runner) => {
    if (recorder.on) statements.push({ sql, parameters: Array.isArray(parameters) ? parameters : [] });
    return logQuery(sql, parameters, runner);
  };
  return recorder;
}

/** The text a statement is known by: whitespace collapsed, parameter numbers dropped, a run of parameters (an IN list of any length) as one. */
export function normalize(sql: string): string {
  return sql
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\$\d+/g, '$')
    .replace(/\$(, \$)+/g, '$…');
}

export const statementKey = (sql: string) => createHash('sha1').update(normalize(sql)).digest('hex').slice(0, 12);

/** Statements that read or write rows (the rest: transaction control, SET, LISTEN). */
const EXPLAINABLE = /^\s*(SELECT|WITH|INSERT|UPDATE|DELETE)\b/i;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Alias?: string;
  Plans?: PlanNode[];
  [key: string]: unknown;
}

const CONDITIONS = ['Index Cond', 'Recheck Cond', 'Filter', 'TID Cond', 'Hash Cond', 'Merge Cond', 'Join Filter', 'One-Time Filter'];

/** The top-level conjuncts of a condition as EXPLAIN prints it: `((a = b) AND (c = d))` -> `a = b`, `c = d`. */
function conjuncts(condition: string): string[] {
  const strip = (s: string): string => {
    s = s.trim();
    while (s.startsWith('(') && closing(s, 0) === s.length - 1) s = s.slice(1, -1).trim();
    return s;
  };
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  const text = strip(condition);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    if (quoted) continue;
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && text.startsWith(' AND ', i)) {
      parts.push(strip(text.slice(start, i)));
      start = i + 5;
    }
  }
  parts.push(strip(text.slice(start)));
  return parts;
}

/** Index of the parenthesis closing the one at `open`, or -1. */
function closing(s: string, open: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = open; i < s.length; i++) {
    if (s[i] === "'") quoted = !quoted;
    if (quoted) continue;
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

/** `alias.column`, either quoted as EXPLAIN quotes a mixed-case alias ("Evaluation".match_id). */
const COLUMN = /^"?(\w+)"?\."?(\w+)"?$/;
/** A value known before the statement runs: a parameter, a literal, a list of them, or an init plan's result. */
const KNOWN = /^(\$\d+|'(?:[^']|'')*'::[\w ]+(\[\])?|ANY \((\$\d+|'(?:[^']|'')*'::[\w ]+\[\])\))$/;

/**
 * The distributed tables a plan scans without pinning their distribution column, i.e. the scans
 * Citus would send to every shard. A scan is pinned when a top-level conjunct of its conditions
 * sets the column to a known value (`= $1`, `= 'literal'`, `= ANY (list)`), or equates it with the
 * distribution column of a pinned scan of the same colocation group (a colocated join).
 * EXPLAIN VERBOSE names every column by its scan's alias, unique within the plan.
 */
export function unpinnedScans(plan: PlanNode, distribution: DistributionPlan): string[] {
  const scans = new Map<string, string>(); // alias -> distributed table
  const conditions: string[] = [];
  const walk = (node: PlanNode) => {
    const table = node['Relation Name'];
    if (table && node['Node Type'] !== 'ModifyTable' && distribution.distributed[table]) scans.set(node.Alias ?? table, table);
    for (const key of CONDITIONS) if (typeof node[key] === 'string') conditions.push(node[key] as string);
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(plan);

  const pinned = new Set<string>();
  const joins: [string, string][] = [];
  const distributionColumn = (alias: string, column: string) => scans.has(alias) && distribution.distributed[scans.get(alias)!].column === column;
  for (const term of conditions.flatMap(conjuncts)) {
    const eq = /^(.+?) = (.+)$/.exec(term);
    if (!eq) continue;
    for (const [left, right] of [
      [eq[1], eq[2]],
      [eq[2], eq[1]],
    ]) {
      const l = COLUMN.exec(left);
      if (!l || !distributionColumn(l[1], l[2])) continue;
      if (KNOWN.test(right)) pinned.add(l[1]);
      const r = COLUMN.exec(right);
      if (r && distributionColumn(r[1], r[2]) && distribution.distributed[scans.get(l[1])!].group === distribution.distributed[scans.get(r[1])!].group) {
        joins.push([l[1], r[1]]);
      }
    }
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const [a, b] of joins) {
      if (pinned.has(b) && !pinned.has(a)) {
        pinned.add(a);
        grew = true;
      }
    }
  }
  return [...new Set([...scans].filter(([alias]) => !pinned.has(alias)).map(([, table]) => table))].sort();
}

/** A statement text that would ask every shard of some distributed table. */
export interface FanOut {
  key: string;
  tables: string[];
  sql: string;
}

/**
 * EXPLAINs each statement (with the parameters it ran with; at most `perText` parameter sets per
 * text) and answers the texts that scan a distributed table unpinned in any of their runs, and
 * those EXPLAIN refused. Nothing runs: EXPLAIN without ANALYZE only plans, in a rolled-back transaction.
 */
export async function fanOuts(db: DataSource, statements: Statement[], distribution: DistributionPlan, perText = 5) {
  const byText = new Map<string, Statement[]>();
  for (const s of statements) {
    if (!EXPLAINABLE.test(s.sql)) continue;
    const runs = byText.get(s.sql) ?? [];
    if (runs.length < perText && !runs.some((r) => JSON.stringify(r.parameters) === JSON.stringify(s.parameters))) runs.push(s);
    byText.set(s.sql, runs);
  }
  const found = new Map<string, FanOut>();
  const refused: { sql: string; error: string }[] = [];
  const runner = db.createQueryRunner();
  try {
    for (const [sql, runs] of byText) {
      for (const run of runs) {
        await runner.startTransaction();
        try {
          const [row] = await runner.query(`EXPLAIN (VERBOSE, FORMAT JSON) ${sql}`, run.parameters);
          const tables = unpinnedScans(row['QUERY PLAN'][0].Plan, distribution);
          if (tables.length) {
            const key = statementKey(sql);
            const seen = found.get(key);
            found.set(key, { key, sql: normalize(sql), tables: [...new Set([...(seen?.tables ?? []), ...tables])].sort() });
          }
        } catch (error) {
          refused.push({ sql: normalize(sql), error: String(error) });
        } finally {
          await runner.rollbackTransaction();
        }
      }
    }
  } finally {
    await runner.release();
  }
  return { fanOuts: [...found.values()], refused, texts: byText.size };
}
