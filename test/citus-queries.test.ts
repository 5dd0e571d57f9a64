import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestApp, type TestApp } from './support/app';
import { distributionPlan, fanOuts, recordStatements, statementKey, unpinnedScans, type FanOut, type Statement } from './support/citus';
import { citusFlow } from './support/citus-flow';

/*
 * Issue #18 item 5: every statement the app sends in a broad run through its API
 * (test/support/citus-flow.ts), planned by PostgreSQL under the distribution of deploy/citus.sql.
 * A statement that scans a distributed table without pinning its distribution column would ask
 * every shard under Citus; each such statement is listed, with why, in test/citus-queries.json.
 * The test fails on a fan-out the list lacks and on a listed one that no longer occurs.
 * CITUS_QUERIES_UPDATE=1 rewrites the list from the run, keeping the reasons given (a new entry has
 * none, which fails until one is written).
 */

interface Listed {
  key: string;
  tables: string[];
  why: string;
  sql: string;
}
const LIST = path.join(__dirname, 'citus-queries.json');
const listed: Listed[] = JSON.parse(readFileSync(LIST, 'utf8'));
const plan = distributionPlan();

let app: TestApp;
let recorded: Statement[] = [];
let flow: Awaited<ReturnType<typeof citusFlow>>;
beforeAll(async () => {
  // Prepared list pages pass TypeORM's logger only when run as plain queries (same text); the generated reads may cost more than the default.
  app = await startTestApp({ env: { DB_PREPARED_STATEMENTS: 'false', GRAPHQL_MAX_COST: '1000000', GRAPHQL_MAX_ALIASES: '1000' } });
  const recorder = recordStatements(app.db);
  recorder.on = true;
  flow = await citusFlow(app);
  recorder.on = false;
  recorded = recorder.statements;
}, 300_000);
afterAll(() => app.close());

describe('the plan read from deploy/citus.sql', () => {
  it('distributes the community tables by community_id in one group, and the person tables by their user', () => {
    expect(plan.distributed.booking).toEqual({ column: 'community_id', group: 'room' });
    expect(plan.distributed.rating_score).toEqual({ column: 'community_id', group: 'room' });
    expect(plan.distributed.notification).toEqual({ column: 'user_id', group: 'service_log' });
    expect(plan.distributed.status_change).toEqual({ column: 'object_id', group: 'status_change' });
    expect(plan.reference).toContain('community');
    expect(plan.distributed.community).toBeUndefined();
  });
});

describe('telling a pinned statement from one that fans out', () => {
  const explain = async (sql: string, parameters: unknown[] = []) => {
    const [row] = await app.db.query(`EXPLAIN (VERBOSE, FORMAT JSON) ${sql}`, parameters);
    return unpinnedScans(row['QUERY PLAN'][0].Plan, plan);
  };
  const c = '00000000-0000-0000-0000-000000000001';
  const id = '00000000-0000-0000-0000-000000000002';

  it('pins a scan by its distribution column set to a parameter, a literal or a list', async () => {
    expect(await explain(`SELECT * FROM booking WHERE community_id = $1 AND id = $2`, [c, id])).toEqual([]);
    expect(await explain(`SELECT * FROM booking WHERE community_id = ANY ($1)`, [[c, id]])).toEqual([]);
    expect(await explain(`SELECT * FROM notification WHERE user_id = '${c}'`)).toEqual([]);
    expect(await explain(`SELECT * FROM evaluation "Evaluation" WHERE "Evaluation".community_id = $1 AND "Evaluation".match_id = $2`, [c, id])).toEqual([]);
    expect(await explain(`SELECT * FROM app_user WHERE email = $1`, ['x@y.z'])).toEqual([]); // a reference table
  });

  it('finds a scan by id alone, by another column, or pinned only in one branch of an OR', async () => {
    expect(await explain(`SELECT * FROM booking WHERE id = $1`, [id])).toEqual(['booking']);
    expect(await explain(`SELECT * FROM service_log WHERE community_id = $1`, [c])).toEqual(['service_log']);
    expect(await explain(`SELECT * FROM demand_item WHERE community_id = $1 OR id = $2`, [c, id])).toEqual(['demand_item']);
    expect(await explain(`SELECT * FROM demand_item WHERE community_id::text = $1`, [c])).toEqual(['demand_item']);
  });

  it('pins a join on the distribution columns of one group from a pinned row, and not a join by id alone', async () => {
    expect(await explain(`SELECT * FROM booking b JOIN room r ON r.community_id = b.community_id AND r.id = b.room_id WHERE b.id = $1 AND b.community_id = $2`, [id, c])).toEqual([]);
    expect(await explain(`SELECT * FROM booking b JOIN room r ON r.id = b.room_id WHERE b.community_id = $1`, [c])).toEqual(['room']);
    expect(await explain(`SELECT * FROM demand_match m WHERE m.demand_id IN (SELECT d.id FROM demand_item d WHERE d.community_id = $1)`, [c])).toEqual(['demand_match']);
    // Another group: a service log of a pinned contract is still on any volunteer's shard.
    expect(await explain(`SELECT * FROM service_log s JOIN space_contract k ON k.community_id = s.community_id AND k.id = s.contract_id WHERE k.community_id = $1`, [c])).toEqual(['service_log']);
    // The same group by its own column: a volunteer's notifications about their logs.
    expect(await explain(`SELECT * FROM service_log s JOIN notification n ON n.user_id = s.volunteer_id AND n.service_log_id = s.id WHERE s.volunteer_id = $1`, [c])).toEqual([]);
  });
});

describe('statements of the app under Citus', () => {
  let found: Awaited<ReturnType<typeof fanOuts>>;
  beforeAll(async () => {
    found = await fanOuts(app.db, recorded, plan);
  }, 120_000);

  it('ran broadly: statements of every kind, each planned', () => {
    expect(flow.adminErrors).toEqual([]);
    expect(flow.reads).toBeGreaterThan(40);
    expect(found.refused).toEqual([]);
    const kinds = new Set(recorded.map((s) => /^\s*(\w+)/.exec(s.sql)![1].toUpperCase()));
    expect([...kinds]).toEqual(expect.arrayContaining(['SELECT', 'INSERT', 'UPDATE', 'WITH']));
    expect(found.texts).toBeGreaterThan(200);
  });

  it('fan out to every shard only where test/citus-queries.json says why', () => {
    if (process.env.CITUS_QUERIES_UPDATE === '1') {
      const reasons = new Map(listed.map((l) => [l.key, l.why]));
      const next = found.fanOuts
        .map((f: FanOut) => ({ key: f.key, tables: f.tables, why: reasons.get(f.key) ?? '', sql: f.sql }))
        .sort((a, b) => a.tables.join().localeCompare(b.tables.join()) || a.sql.localeCompare(b.sql));
      writeFileSync(LIST, `${JSON.stringify(next, null, 2)}\n`);
      process.stdout.write(`citus-queries: ${found.texts} statement texts planned, ${next.length} fan out\n`);
    }
    const known = new Set(listed.map((l) => l.key));
    const seen = new Set(found.fanOuts.map((f) => f.key));
    // New fan-outs: pin them (name the community the caller knows), or list them with a reason.
    expect(found.fanOuts.filter((f) => !known.has(f.key))).toEqual([]);
    // Stale entries: the statement changed or is no longer sent.
    expect(listed.filter((l) => !seen.has(l.key)).map((l) => l.sql)).toEqual([]);
    // Each entry says why, and names the tables it is listed for.
    expect(listed.filter((l) => l.why.trim().length < 10).map((l) => l.sql)).toEqual([]);
    for (const f of found.fanOuts) expect({ sql: f.sql, tables: listed.find((l) => l.key === f.key)!.tables }).toEqual({ sql: f.sql, tables: f.tables });
    expect(listed.every((l) => l.key === statementKey(l.sql))).toBe(true);
  });
});
