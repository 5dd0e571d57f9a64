import { pgErrorCode } from '../src/errors';
import { count, startTestApp, type TestApp } from './support/app';
import { citusScript } from './support/citus';
import { claim, postDemand, scene } from './support/demand-fixtures';
import { signUp } from './support/fixtures';
import { loggedService, minutesAgo } from './support/service-hours';
import { book, EVERY_DAY, nextOccurrence, slot, spaceSetup } from './support/spaces';

/**
 * The schema is ready for Citus (README "Beyond one machine", deploy/citus.sql): read from
 * pg_catalog of the migrated database, against the plan below.
 */

/** Distributed tables: their distribution column and colocation group. */
const DISTRIBUTED: Record<string, { column: string; group: string }> = {
  room: { column: 'community_id', group: 'community' },
  partnership: { column: 'community_id', group: 'community' },
  demand_item: { column: 'community_id', group: 'community' },
  demand_match: { column: 'community_id', group: 'community' },
  evaluation: { column: 'community_id', group: 'community' },
  offer_community: { column: 'community_id', group: 'community' },
  space_contract: { column: 'community_id', group: 'community' },
  booking: { column: 'community_id', group: 'community' },
  resident_request: { column: 'community_id', group: 'community' },
  project: { column: 'community_id', group: 'community' },
  project_update: { column: 'community_id', group: 'community' },
  project_demand: { column: 'community_id', group: 'community' },
  rating_round: { column: 'community_id', group: 'community' },
  rating_round_partner: { column: 'community_id', group: 'community' },
  rating_panellist: { column: 'community_id', group: 'community' },
  rating_ballot: { column: 'community_id', group: 'community' },
  rating_score: { column: 'community_id', group: 'community' },
  partner_rating: { column: 'community_id', group: 'community' },
  agenda_item: { column: 'community_id', group: 'community' },
  agenda_opinion: { column: 'community_id', group: 'community' },
  agenda_item_demand: { column: 'community_id', group: 'community' },
  agenda_item_project: { column: 'community_id', group: 'community' },
  service_hours_partner_daily: { column: 'community_id', group: 'community' },
  service_hours_daily: { column: 'community_id', group: 'community' },
  service_hours_volunteer_daily: { column: 'community_id', group: 'community' },
  service_hours_partner_monthly: { column: 'community_id', group: 'community' },
  service_hours_monthly: { column: 'community_id', group: 'community' },
  service_hours_volunteer_monthly: { column: 'community_id', group: 'community' },
  service_log: { column: 'volunteer_id', group: 'person' },
  notification: { column: 'user_id', group: 'person' },
  idempotency_key: { column: 'user_id', group: 'person' },
  status_change: { column: 'object_id', group: 'object' },
};
const REFERENCE = ['app_user', 'community', 'community_secretary', 'partner', 'partner_member', 'partner_invitation', 'supply_offer', 'signed_link', 'residency', 'service_hours_version'];
/** Left on the coordinator. */
const LOCAL = ['migrations', 'login_attempt', 'rate_limit_counter', 'replica_read_fence'];

/** Foreign keys between tables distributed by different columns: kept on PostgreSQL, dropped by deploy/citus.sql. */
const DROPPED_AT_CITUS_STEP = [
  'notification.notification_booking_fk',
  'notification.notification_contract_fk',
  'notification.notification_match_fk',
  'notification.notification_partnership_id_fkey',
  'service_log.service_log_contract_fk',
  'service_log.service_log_match_fk',
];

interface Constraint {
  name: string;
  table: string;
  type: 'p' | 'u' | 'x' | 'f';
  columns: string[];
  refTable: string | null;
  refColumns: string[];
  /** Exclusion constraints: the operator of each column. */
  operators: string[];
}
interface Index {
  name: string;
  table: string;
  unique: boolean;
  /** Plain columns only; an expression counts as none. */
  columns: string[];
}
interface Catalog {
  tables: string[];
  constraints: Constraint[];
  indexes: Index[];
}

type Query = (sql: string) => Promise<any[]>;

async function readCatalog(query: Query): Promise<Catalog> {
  const tables = (await query(`SELECT relname AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') ORDER BY 1`)).map((r) => r.name);
  const constraints: Constraint[] = await query(`
    SELECT con.conname AS name, t.relname AS table, con.contype AS type, f.relname AS "refTable",
           ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i) AS columns,
           ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                   JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i) AS "refColumns",
           ARRAY(SELECT o.oprname::text FROM unnest(con.conexclop) WITH ORDINALITY k(op, i)
                   JOIN pg_operator o ON o.oid = k.op ORDER BY k.i) AS operators
      FROM pg_constraint con
      JOIN pg_class t ON t.oid = con.conrelid
      LEFT JOIN pg_class f ON f.oid = con.confrelid
     WHERE t.relnamespace = 'public'::regnamespace AND con.contype IN ('p', 'u', 'x', 'f')`);
  const indexes: Index[] = await query(`
    SELECT i.relname AS name, t.relname AS table, x.indisunique AS unique,
           ARRAY(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(n, i)
                   JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n ORDER BY k.i) AS columns
      FROM pg_index x
      JOIN pg_class i ON i.oid = x.indexrelid
      JOIN pg_class t ON t.oid = x.indrelid
     WHERE t.relnamespace = 'public'::regnamespace`);
  return { tables, constraints, indexes };
}

/** Why Citus would refuse this schema under the plan (or the plan does not cover it); empty when it would not. */
function problems(catalog: Catalog, allowed: string[] = DROPPED_AT_CITUS_STEP): string[] {
  const found: string[] = [];
  const planned = new Set([...Object.keys(DISTRIBUTED), ...REFERENCE, ...LOCAL]);
  for (const table of catalog.tables) if (!planned.has(table)) found.push(`${table}: neither distributed, reference nor local in the plan`);

  for (const c of catalog.constraints) {
    const dist = DISTRIBUTED[c.table];
    if (!dist || c.type === 'f') continue;
    const at = c.columns.indexOf(dist.column);
    if (at < 0) found.push(`${c.table}.${c.name}: ${c.type} constraint on (${c.columns}) lacks ${dist.column}`);
    else if (c.type === 'x' && c.operators[at] !== '=') found.push(`${c.table}.${c.name}: excludes on ${dist.column} with ${c.operators[at]}, not =`);
  }
  for (const i of catalog.indexes) {
    const dist = DISTRIBUTED[i.table];
    if (dist && i.unique && !i.columns.includes(dist.column)) found.push(`${i.table}.${i.name}: unique index on (${i.columns}) lacks ${dist.column}`);
  }

  for (const c of catalog.constraints.filter((k) => k.type === 'f')) {
    const key = `${c.table}.${c.name}`;
    const from = DISTRIBUTED[c.table];
    const to = DISTRIBUTED[c.refTable!];
    if (REFERENCE.includes(c.table) && to) found.push(`${key}: a reference table refers to distributed ${c.refTable}`);
    if (!from || !to) continue;
    const joinsDistribution = c.columns.some((col, i) => col === from.column && c.refColumns[i] === to.column);
    const fits = from.group === to.group && joinsDistribution;
    if (!fits && !allowed.includes(key)) found.push(`${key}: (${c.columns}) -> ${c.refTable} (${c.refColumns}) does not join ${from.column} to ${to.column} in one colocation group`);
    if (fits && allowed.includes(key)) found.push(`${key}: Citus would keep it, yet deploy/citus.sql drops it`);
  }
  for (const key of allowed) {
    if (!catalog.constraints.some((c) => `${c.table}.${c.name}` === key)) found.push(`${key}: dropped by deploy/citus.sql but not in the schema`);
  }
  return found;
}

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

describe('Citus readiness of the schema', () => {
  it('gives every key of a distributed table its distribution column, and every foreign key between distributed tables both', async () => {
    const catalog = await readCatalog((sql) => app.db.query(sql));
    expect(problems(catalog)).toEqual([]);
    // Not vacuous: the catalog was read, with the keys the plan is about.
    expect(catalog.constraints.find((c) => c.name === 'booking_pkey')?.columns).toEqual(['community_id', 'id']);
    expect(catalog.constraints.find((c) => c.name === 'booking_room_id_fkey')).toMatchObject({ columns: ['community_id', 'room_id'], refColumns: ['community_id', 'id'] });
    expect(catalog.constraints.find((c) => c.name === 'status_change_pkey')?.columns).toEqual(['object_id', 'seq']);
  });

  it('reports a key that Citus would refuse', async () => {
    const runner = app.db.createQueryRunner();
    await runner.startTransaction();
    try {
      await runner.query(`ALTER TABLE booking ADD CONSTRAINT booking_id_key UNIQUE (id)`);
      await runner.query(`CREATE UNIQUE INDEX demand_match_id_key ON demand_match (id)`);
      await runner.query(`ALTER TABLE evaluation ADD CONSTRAINT evaluation_match_alone_fk FOREIGN KEY (match_id) REFERENCES demand_match (id)`);
      await runner.query(`ALTER TABLE status_change ADD CONSTRAINT status_change_room_fk FOREIGN KEY (community_id, object_id) REFERENCES room (community_id, id)`);
      await runner.query(`ALTER TABLE supply_offer ADD COLUMN room_id uuid, ADD COLUMN community_id uuid,
                            ADD CONSTRAINT supply_offer_room_fk FOREIGN KEY (community_id, room_id) REFERENCES room (community_id, id)`);
      const found = problems(await readCatalog((sql) => runner.query(sql)));
      expect(found).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^booking\.booking_id_key: u constraint on \(id\) lacks community_id/),
          expect.stringMatching(/^demand_match\.demand_match_id_key: unique index on \(id\) lacks community_id/),
          expect.stringMatching(/^evaluation\.evaluation_match_alone_fk: .* does not join community_id to community_id/),
          expect.stringMatching(/^status_change\.status_change_room_fk: .* does not join object_id to community_id/),
          expect.stringMatching(/^supply_offer\.supply_offer_room_fk: a reference table refers to distributed room/),
        ]),
      );
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    // And an allow-list naming a foreign key Citus would keep, or one that does not exist.
    const catalog = await readCatalog((sql) => app.db.query(sql));
    expect(problems(catalog, [...DROPPED_AT_CITUS_STEP, 'booking.booking_room_id_fkey', 'booking.no_such_fk'])).toEqual([
      'booking.booking_room_id_fkey: Citus would keep it, yet deploy/citus.sql drops it',
      'booking.no_such_fk: dropped by deploy/citus.sql but not in the schema',
    ]);
  });

  it('deploy/citus.sql drops exactly the allow-listed foreign keys and distributes the tables as planned, referenced tables first', async () => {
    const script = citusScript();
    expect(script.drops.map((d) => d.key).sort()).toEqual([...DROPPED_AT_CITUS_STEP].sort());
    expect(script.references.map((r) => r.table).sort()).toEqual([...REFERENCE].sort());
    expect(Object.fromEntries(script.distributed.map((d) => [d.table, d.column]))).toEqual(
      Object.fromEntries(Object.entries(DISTRIBUTED).map(([table, d]) => [table, d.column])),
    );
    // Every statement is one of those, or the trigger setting: nothing in the file goes unchecked.
    expect(script.statements).toBe(script.drops.length + script.references.length + script.distributed.length + 1);

    // Colocation: the same groups as the plan (a group starts at 'none' and is joined by name).
    const groupOf = new Map<string, string>();
    for (const d of script.distributed) groupOf.set(d.table, d.colocateWith === 'none' ? d.table : groupOf.get(d.colocateWith)!);
    const groups = (of: (table: string) => string | undefined) =>
      Object.keys(DISTRIBUTED).map((table) => Object.keys(DISTRIBUTED).filter((other) => of(other) === of(table)).sort().join());
    expect(groups((t) => groupOf.get(t))).toEqual(groups((t) => DISTRIBUTED[t].group));

    // Order: the foreign keys are dropped first; a table becomes a Citus table after every table it refers to.
    const position = new Map<string, number>([...script.references, ...script.distributed].map((s) => [s.table, s.index]));
    const firstCreate = Math.min(...position.values());
    expect(script.drops.every((d) => d.index < firstCreate)).toBe(true);
    const catalog = await readCatalog((sql) => app.db.query(sql));
    const outOfOrder = catalog.constraints
      .filter((c) => c.type === 'f' && c.table !== c.refTable && !DROPPED_AT_CITUS_STEP.includes(`${c.table}.${c.name}`))
      .filter((c) => position.has(c.table) && !(position.get(c.refTable!)! < position.get(c.table)!))
      .map((c) => `${c.table}.${c.name}`);
    expect(outOfOrder).toEqual([]);
  });

  it('keeps a plain index on id for every distributed table keyed by id, so lookups by id alone stay index scans', async () => {
    const catalog = await readCatalog((sql) => app.db.query(sql));
    const keyedById = Object.keys(DISTRIBUTED).filter((table) => catalog.constraints.some((c) => c.table === table && c.type === 'p' && c.columns.includes('id')));
    expect(keyedById.sort()).toEqual(['agenda_item', 'agenda_opinion', 'booking', 'demand_item', 'demand_match', 'evaluation', 'notification', 'partnership', 'project', 'project_update', 'rating_round', 'resident_request', 'room', 'service_log', 'space_contract']);
    const withIdIndex = keyedById.filter((table) => catalog.indexes.some((i) => i.table === table && !i.unique && i.columns.join() === 'id'));
    expect(withIdIndex).toEqual(keyedById);
  });
});

describe('composite foreign keys', () => {
  /** Runs `sql` in a transaction that is rolled back whatever happens; the SQLSTATE it failed with, or 'ok'. */
  async function outcome(sql: string, params: unknown[]): Promise<string> {
    const runner = app.db.createQueryRunner();
    await runner.startTransaction();
    try {
      await runner.query(sql, params);
      return 'ok';
    } catch (error) {
      return pgErrorCode(error) ?? String(error);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }

  it("refuse a booking of one community in another community's room, and change nothing", async () => {
    const a = await spaceSetup(app, EVERY_DAY.map((d) => slot(d, '09:00', '11:00')));
    const b = await spaceSetup(app, EVERY_DAY.map((d) => slot(d, '09:00', '11:00')));
    const booked = await book(app, a.owner, { roomId: a.roomId, start: (await nextOccurrence(app, a.roomId)).start, partnerId: a.partnerId });
    const before = await app.db.query(`SELECT * FROM booking ORDER BY id`);

    const insert = `INSERT INTO booking (community_id, room_id, partner_id, start_at, end_at, purpose, status)
                    VALUES ($1, $2, $3, now() + interval '300 days', now() + interval '300 days 2 hours', 'cross-community', 'CONFIRMED')`;
    expect(await outcome(insert, [a.communityId, a.roomId, a.partnerId])).toBe('ok'); // the row is otherwise fine
    expect(await outcome(insert, [a.communityId, b.roomId, a.partnerId])).toBe('23503');
    expect(await outcome(`UPDATE booking SET room_id = $2 WHERE id = $1`, [booked.id, b.roomId])).toBe('23503');

    expect(await app.db.query(`SELECT * FROM booking ORDER BY id`)).toEqual(before);
    const [room] = await app.db.query(`SELECT room_id FROM booking WHERE id = $1`, [booked.id]);
    expect(room.room_id).toBe(a.roomId);
  });

  it("refuse a match pointing at another community's demand item, and change nothing", async () => {
    const a = await scene(app);
    const b = await scene(app);
    const demandA = await postDemand(app, a.secretary.token, a.communityId);
    const demandB = await postDemand(app, b.secretary.token, b.communityId);
    const matchId = await claim(app, a.partner.owner.token, demandA, a.partner.partnerId, 2);
    const before = await app.db.query(`SELECT * FROM demand_match ORDER BY id`);

    expect(await outcome(`UPDATE demand_match SET demand_id = $2 WHERE id = $1`, [matchId, demandB])).toBe('23503');
    const otherDemandOfA = await postDemand(app, a.secretary.token, a.communityId);
    expect(await outcome(`UPDATE demand_match SET demand_id = $2 WHERE id = $1`, [matchId, otherDemandOfA])).toBe('ok');

    expect(await app.db.query(`SELECT * FROM demand_match ORDER BY id`)).toEqual(before);
  });

  it('refuse a notification naming a community object without its community, or a service log to anyone but its volunteer', async () => {
    const a = await scene(app);
    const demand = await postDemand(app, a.secretary.token, a.communityId);
    const matchId = await claim(app, a.partner.owner.token, demand, a.partner.partnerId, 1);
    const volunteer = await signUp(app);
    const logId = await loggedService(app, volunteer.token, { communityId: a.communityId, start: minutesAgo(120), minutes: 60 });
    const before = await count(app.db, 'notification');

    const insert = `INSERT INTO notification (user_id, community_id, kind, message, match_id, service_log_id) VALUES ($1, $2, 'TEST', 'test', $3, $4)`;
    expect(await outcome(insert, [a.secretary.id, a.communityId, matchId, null])).toBe('ok');
    expect(await outcome(insert, [a.secretary.id, null, matchId, null])).toBe('23514');
    expect(await outcome(insert, [volunteer.id, a.communityId, null, logId])).toBe('ok');
    expect(await outcome(insert, [a.secretary.id, a.communityId, null, logId])).toBe('23503');

    expect(await count(app.db, 'notification')).toBe(before);
  });
});
