import type { Client } from 'pg';
import bcrypt from 'bcryptjs';
import { columnsOf, connect, existingTables } from './db';
import * as W from './words';

/**
 * The data-set generator: set-based SQL only (INSERT ... SELECT over generate_series), so a
 * million rows take seconds, not minutes. Rows are derived from their ordinal number:
 * - ids are deterministic UUIDs (`pg_temp.uid('room', 17)`), so a foreign key is arithmetic
 *   instead of a join, and the bench knows the ids of what it needs (community 0, room 0...);
 * - community c has partners c, c+C, c+2C... (its "primary" partners, all ACTIVE there), the
 *   secretary user c, rooms c, c+C, ...; partner p has owner user C+2p and member user C+2p+1,
 *   offers p, p+P, p+2P... of category (o / P) % 7.
 * Every constraint holds: bookings are distinct slot occurrences of their room, each volunteer
 * logs on distinct days, quantities held by matches are summed back into their demand and offer.
 * Secondary indexes and exclusion constraints of the big tables are dropped during the load and
 * re-created after it (a bulk build, which also re-validates every row).
 */

export const BENCH_PASSWORD = 'bench-pass-2026';
export const BENCH_SECRETARY_EMAIL = 'bench.secretary@bench.example';
export const BENCH_OWNER_EMAIL = 'bench.owner@bench.example';
export const TIME_ZONE = 'Asia/Shanghai';

export interface Sizes {
  communities: number;
  rooms: number;
  partners: number;
  demandItems: number;
  offers: number;
  bookings: number;
  serviceLogs: number;
}

export const DEFAULT_SIZES: Sizes = {
  communities: 50,
  rooms: 800,
  partners: 5_000,
  demandItems: 100_000,
  offers: 100_000,
  bookings: 1_000_000,
  serviceLogs: 1_000_000,
};

/** Sizes at `scale`, with the floors the relations need (two communities, five partners per community...). */
export function sizesAt(scale: number): Sizes {
  const n = (x: number, min: number) => Math.max(min, Math.round(x * scale));
  const communities = n(DEFAULT_SIZES.communities, 2);
  const offers = n(DEFAULT_SIZES.offers, 100);
  // Every partner has at least one offer of each of the 7 categories; every community has five kinds of partner.
  const partners = Math.min(Math.floor(offers / 7), n(DEFAULT_SIZES.partners, 5 * communities));
  return {
    communities,
    rooms: n(DEFAULT_SIZES.rooms, 2 * communities),
    partners: Math.max(partners, 5 * communities),
    demandItems: n(DEFAULT_SIZES.demandItems, 100),
    offers: Math.max(offers, 7 * Math.max(partners, 5 * communities)),
    bookings: n(DEFAULT_SIZES.bookings, 1_000),
    serviceLogs: n(DEFAULT_SIZES.serviceLogs, 1_000),
  };
}

/** What the scenarios need to know about the generated data. */
export interface Facts {
  sizes: Sizes;
  /** Rows per table after the load. */
  rowCounts: Record<string, number>;
  /** Seconds per step and in total. */
  timings: Record<string, number>;
  /** pg_database_size after the load (and VACUUM ANALYZE). */
  databaseBytes?: number;
  /** Rows where the service-hours rollups differ from the logs (0; null without the rollups). */
  rollupMismatches?: number | null;
  domains: {
    demand: boolean;
    spaces: boolean;
    serviceHours: boolean;
    notifications: boolean;
    /** Issue #17 item 6: residents' requests, agendas, projects, rating rounds (absent from facts written before them). */
    requests?: boolean;
    agendas?: boolean;
    projects?: boolean;
    ratings?: boolean;
  };
  communityId: string;
  secretaryEmail: string;
  ownerEmail: string;
  password: string;
  partnerId: string;
  /** A busy room (generated bookings) for the availability read. */
  busyRoomId: string;
  /** Rooms kept free of generated bookings: one for bookSlot contention, one for contract approvals. */
  contentionRoomId: string;
  contractRoomId: string;
  /** The span of the generated service logs: the last 365 days (a summary may span at most 366). */
  logsFrom: string;
  logsTo: string;
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const arr = (xs: readonly string[]) => `ARRAY[${xs.map(lit).join(',')}]::text[]`;
/** The element of `xs` at `expr` modulo its length (SQL). */
const pick = (xs: readonly string[], expr: string) => `(${arr(xs)})[1 + ((${expr}) % ${xs.length})]`;
/** `pick` from the list of category `cat` (SQL CASE). */
const pickByCat = (lists: readonly (readonly string[])[], cat: string, expr: string) =>
  `CASE ${cat} ${lists.map((l, i) => `WHEN ${i} THEN ${pick(l, expr)}`).join(' ')} END`;

const WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];
interface SlotRow {
  set: number;
  dow: number;
  start: string;
  end: string;
}
/** Room slot sets: 0 = mornings, afternoons and evenings every day (21 a week); 1 = four a day (28 a week). */
const SLOT_SETS: [string, string][][] = [
  [['09:00', '11:00'], ['14:00', '16:00'], ['19:00', '21:00']],
  [['08:30', '10:00'], ['10:30', '12:00'], ['14:00', '16:00'], ['19:00', '21:00']],
];
const SLOT_ROWS: SlotRow[] = SLOT_SETS.flatMap((times, set) =>
  WEEKDAYS.flatMap((_, i) => times.map(([start, end]) => ({ set, dow: i + 1, start, end }))),
);
const slotsJson = (set: number) =>
  JSON.stringify(SLOT_ROWS.filter((s) => s.set === set).map((s) => ({ weekday: WEEKDAYS[s.dow - 1], startTime: s.start, endTime: s.end })));
const slotValues = SLOT_ROWS.map((s) => `(${s.set}, ${s.dow}, time '${s.start}', time '${s.end}')`).join(', ');

const LIVE = `('PROPOSED', 'PENDING_REVIEW', 'APPROVED', 'FULFILLED')`;

export async function generate(url: string, sizes: Sizes, log: (msg: string) => void): Promise<Facts> {
  const timings: Record<string, number> = {};
  const started = Date.now();
  const a = await connect(url);
  const b = await connect(url);
  try {
    for (const c of [a, b]) await prepareSession(c);
    const tables = await existingTables(a);
    const domains = {
      demand: tables.has('demand_item') && tables.has('supply_offer') && tables.has('demand_match'),
      spaces: tables.has('booking') && tables.has('space_contract'),
      serviceHours: tables.has('service_log'),
      notifications: tables.has('notification'),
      ...civicDomains(tables),
    };
    const g = new Generator(sizes, log, timings);
    const passwordHash = await bcrypt.hash(BENCH_PASSWORD, 10);
    await g.step(a, 'foundation', () => g.foundation(a, passwordHash));

    // Its key (object_id, seq) is in random order, like its index: both built after the load.
    const restore = await dropSecondaryIndexes(a, 'status_change', { primaryKey: true });
    await Promise.all([
      (async () => {
        if (domains.demand) await g.step(a, 'demand', () => g.demand(a, tables));
        if (domains.spaces) await g.step(a, 'spaces', () => g.spaces(a));
      })(),
      (async () => {
        if (domains.serviceHours) await g.step(b, 'service hours', () => g.serviceHours(b));
      })(),
    ]);
    if (domains.demand && civicTables(tables)) await g.step(a, 'requests, agendas, projects, ratings', () => g.civic(a, tables));
    if (domains.notifications) await g.step(a, 'notifications', () => g.notifications(a, domains));
    await g.step(a, 'status_change indexes', () => restore());
    await g.step(a, 'vacuum analyze', async () => {
      await a.query('VACUUM (ANALYZE)');
    });
    let rollupCheck: number | null = null;
    if (domains.serviceHours && tables.has('service_hours_daily')) {
      await g.step(a, 'rollups = logs check', async () => {
        rollupCheck = await rollupMismatches(a);
      });
      log(`  service-hours rollups: ${rollupCheck} rows differ from a GROUP BY of the logs`);
      if (rollupCheck !== 0) throw new Error(`the service-hours rollups disagree with the logs in ${rollupCheck} rows`);
    }

    const rowCounts: Record<string, number> = {};
    for (const table of [...(await existingTables(a))].sort()) {
      if (table === 'migrations') continue;
      const { rows } = await a.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      rowCounts[table] = Number(rows[0].n);
    }
    const { rows: period } = await a.query<{ from: Date; to: Date }>(
      `SELECT date_trunc('hour', now()) - interval '365 days' AS "from", date_trunc('hour', now()) + interval '1 hour' AS "to"`,
    );
    timings.total = (Date.now() - started) / 1000;
    const id = async (kind: string, n: number) => (await a.query<{ id: string }>(`SELECT pg_temp.uid($1, $2) AS id`, [kind, n])).rows[0].id;
    const { rows: size } = await a.query<{ bytes: string }>(`SELECT pg_database_size(current_database()) AS bytes`);
    return {
      sizes,
      rowCounts,
      databaseBytes: Number(size[0].bytes),
      rollupMismatches: rollupCheck,
      timings,
      domains,
      communityId: await id('community', 0),
      secretaryEmail: BENCH_SECRETARY_EMAIL,
      ownerEmail: BENCH_OWNER_EMAIL,
      password: BENCH_PASSWORD,
      partnerId: await id('partner', 0),
      busyRoomId: await id('room', 0),
      contentionRoomId: await id('room', sizes.rooms),
      contractRoomId: await id('room', sizes.rooms + 1),
      logsFrom: period[0].from.toISOString(),
      logsTo: period[0].to.toISOString(),
    };
  } finally {
    await a.end();
    await b.end();
  }
}

/**
 * The service-hours rollups from the logs, by the function the migrations keep for it (the bench
 * loads every log in one statement with the insert trigger off).
 */
async function fillRollups(c: Client): Promise<void> {
  await c.query(`SELECT service_hours_rollup_rebuild()`);
}

/** Every rollup with the columns of its key after (community, period). */
const ROLLUPS: { table: string; period: 'local_day' | 'local_month'; columns: string[] }[] = [
  { table: 'service_hours_partner_daily', period: 'local_day', columns: ['partner_id', 'status'] },
  { table: 'service_hours_daily', period: 'local_day', columns: ['status'] },
  { table: 'service_hours_volunteer_daily', period: 'local_day', columns: ['partner_id', 'volunteer_id', 'status'] },
  { table: 'service_hours_partner_monthly', period: 'local_month', columns: ['partner_id', 'status'] },
  { table: 'service_hours_monthly', period: 'local_month', columns: ['status'] },
  { table: 'service_hours_volunteer_monthly', period: 'local_month', columns: ['partner_id', 'volunteer_id', 'status'] },
];

/** Rows where the rollups and a fresh GROUP BY of the logs disagree (0 when they are kept right). */
export async function rollupMismatches(c: Client): Promise<number> {
  let n = 0;
  for (const { table, period, columns } of ROLLUPS) {
    const local = period === 'local_day' ? `(s.started_at AT TIME ZONE co.timezone)::date` : `date_trunc('month', s.started_at AT TIME ZONE co.timezone)::date`;
    const key = ['community_id', period, ...columns];
    const { rows } = await c.query<{ n: string }>(`
      WITH logs AS (
        SELECT s.community_id, ${local} AS ${period}, ${columns.map((k) => `s.${k}`).join(', ')}, sum(s.minutes)::bigint AS minutes, count(*)::int AS logs
          FROM service_log s JOIN community co ON co.id = s.community_id GROUP BY ${key.map((_, i) => i + 1).join(', ')}),
      kept AS (SELECT ${key.join(', ')}, minutes, logs FROM ${table} WHERE logs <> 0 OR minutes <> 0)
      SELECT count(*) AS n FROM ((SELECT * FROM logs EXCEPT ALL SELECT * FROM kept) UNION ALL (SELECT * FROM kept EXCEPT ALL SELECT * FROM logs)) x`);
    n += Number(rows[0].n);
  }
  return n;
}

function civicDomains(tables: Set<string>): Pick<Facts['domains'], 'requests' | 'agendas' | 'projects' | 'ratings'> {
  return {
    requests: tables.has('resident_request'),
    agendas: tables.has('agenda_item'),
    projects: tables.has('project'),
    ratings: tables.has('rating_round'),
  };
}
const civicTables = (tables: Set<string>) => Object.values(civicDomains(tables)).some(Boolean);

/**
 * Adds the residents' domains (requests, agendas, projects, ratings) to a database generated
 * before they were: `--reuse` of a large database costs minutes instead of its whole generation.
 */
export async function generateCivic(url: string, facts: Facts, log: (msg: string) => void): Promise<Facts> {
  const c = await connect(url);
  try {
    await prepareSession(c);
    const tables = await existingTables(c);
    const domains = { ...facts.domains, ...civicDomains(tables) };
    const timings = { ...facts.timings };
    const g = new Generator(facts.sizes, log, timings);
    const civic = ['residency', 'resident_request', 'project', 'project_update', 'project_demand', 'agenda_item', 'agenda_opinion',
      'agenda_item_demand', 'agenda_item_project', 'rating_round', 'rating_round_partner', 'rating_panellist', 'rating_ballot', 'rating_score', 'partner_rating'];
    const present = civic.filter((t) => tables.has(t));
    const { rows } = await c.query<{ n: string }>(`SELECT (${present.map((t) => `(SELECT count(*) FROM ${t})`).join(' + ')}) AS n`);
    if (Number(rows[0].n) > 0) throw new Error('the residents\' domains already hold rows: generate the database afresh instead');
    if (civicTables(tables)) await g.step(c, 'requests, agendas, projects, ratings', () => g.civic(c, tables));
    await g.step(c, 'analyze (residents\' domains)', async () => {
      for (const t of [...present, 'status_change']) await c.query(`ANALYZE ${t}`);
    });
    const rowCounts = { ...facts.rowCounts };
    for (const t of [...present, 'status_change']) rowCounts[t] = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
    const { rows: size } = await c.query<{ bytes: string }>(`SELECT pg_database_size(current_database()) AS bytes`);
    return { ...facts, domains, timings, rowCounts, databaseBytes: Number(size[0].bytes) };
  } finally {
    await c.end();
  }
}

async function prepareSession(c: Client): Promise<void> {
  await c.query(`SET synchronous_commit = off`);
  await c.query(`SET maintenance_work_mem = '256MB'`);
  await c.query(`SET work_mem = '64MB'`);
  await c.query(`SET statement_timeout = 0`);
  // Deterministic, version-4-shaped UUIDs from a kind and an ordinal.
  await c.query(`
    CREATE FUNCTION pg_temp.uid(kind text, n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE AS
    $$ SELECT overlay(overlay(md5(kind || ':' || n) placing '4' from 13) placing '8' from 17)::uuid $$`);
}

/**
 * Drops the exclusion constraints, the foreign keys and the indexes that back no constraint of
 * `table` (and its primary key with `primaryKey`, for a table no foreign key refers to); the
 * returned function re-creates them from their saved definitions, validating every row again. A
 * foreign key checked row by row costs one lookup per row and key as a trigger (40M at scale 10
 * for the logs alone); added afterwards, it is checked by one join.
 */
async function dropSecondaryIndexes(c: Client, table: string, options: { primaryKey?: boolean } = {}): Promise<() => Promise<void>> {
  const { rows: constraints } = await c.query<{ name: string; def: string }>(
    `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
      WHERE conrelid = $1::regclass AND (contype IN ('x', 'f') OR (contype = 'p' AND $2))
      ORDER BY contype = 'f', conname`,
    [table, options.primaryKey === true],
  );
  for (const x of constraints) await c.query(`ALTER TABLE ${table} DROP CONSTRAINT ${x.name}`);
  const { rows: indexes } = await c.query<{ name: string; def: string }>(
    `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
      WHERE x.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)`,
    [table],
  );
  for (const i of indexes) await c.query(`DROP INDEX ${i.name}`);
  return async () => {
    for (const i of indexes) await c.query(i.def);
    for (const x of constraints) await c.query(`ALTER TABLE ${table} ADD CONSTRAINT ${x.name} ${x.def}`);
  };
}

class Generator {
  readonly C: number;
  readonly R: number;
  readonly P: number;
  readonly D: number;
  readonly O: number;
  readonly B: number;
  readonly L: number;

  constructor(
    sizes: Sizes,
    private readonly log: (msg: string) => void,
    private readonly timings: Record<string, number>,
  ) {
    this.C = sizes.communities;
    this.R = sizes.rooms;
    this.P = sizes.partners;
    this.D = sizes.demandItems;
    this.O = sizes.offers;
    this.B = sizes.bookings;
    this.L = sizes.serviceLogs;
  }

  async step(_c: Client, name: string, fn: () => Promise<void>): Promise<void> {
    const t = Date.now();
    await fn();
    this.timings[name] = (Date.now() - t) / 1000;
    this.log(`  ${name}: ${this.timings[name].toFixed(1)} s`);
  }

  /** Partner `j` of community `c` (SQL), j taken modulo the community's primary partners. */
  private partnerOf(c: string, j: string): string {
    const { C, P } = this;
    return `(${c} + ${C} * ((${j}) % ((${P} - 1 - ${c}) / ${C} + 1)))`;
  }

  async foundation(c: Client, passwordHash: string): Promise<void> {
    const { C, R, P } = this;
    const name = (u: string) => `${pick(W.SURNAMES, u)} || ${pick(W.GIVEN_NAMES, `${u} / ${W.SURNAMES.length}`)}`;
    await c.query(`
      INSERT INTO app_user (id, email, password_hash, display_name, is_admin, created_at)
      SELECT pg_temp.uid('user', u),
             CASE WHEN u = 0 THEN ${lit(BENCH_SECRETARY_EMAIL)}
                  WHEN u < ${C} THEN 'secretary.' || u || '@bench.example'
                  WHEN u = ${C} THEN ${lit(BENCH_OWNER_EMAIL)}
                  WHEN (u - ${C}) % 2 = 0 THEN 'owner.' || (u - ${C}) / 2 || '@bench.example'
                  ELSE 'member.' || (u - ${C}) / 2 || '@bench.example' END,
             $1, ${name('u')}, false, now() - interval '430 days' + u * interval '1 second'
        FROM generate_series(0, ${C + 2 * P - 1}) u`, [passwordHash]);

    await c.query(`
      INSERT INTO community (id, name, district, timezone, created_at)
      SELECT pg_temp.uid('community', c),
             ${pick(W.COMMUNITY_NAMES, 'c')} || CASE WHEN c >= ${W.COMMUNITY_NAMES.length} THEN (c / ${W.COMMUNITY_NAMES.length} + 1) || '期' ELSE '' END
               || ${pick(W.COMMUNITY_SUFFIXES, `c / ${W.COMMUNITY_NAMES.length}`)},
             ${pick(W.DISTRICTS, 'c')}, ${lit(TIME_ZONE)}, now() - interval '425 days' + c * interval '1 minute'
        FROM generate_series(0, ${C - 1}) c`);
    await c.query(`
      INSERT INTO community_secretary (community_id, user_id, appointed_at)
      SELECT pg_temp.uid('community', c), pg_temp.uid('user', c), now() - interval '424 days'
        FROM generate_series(0, ${C - 1}) c`);

    // Rooms 0..R-1 get generated bookings; R and R+1 (community 0) are kept free for the write scenarios.
    await c.query(`
      INSERT INTO room (id, community_id, name, capacity, features, weekly_slots, created_at)
      SELECT pg_temp.uid('room', r), pg_temp.uid('community', r % ${C}),
             ${pick(W.ROOM_NAMES, `r / ${C}`)} || CASE WHEN r / ${C} >= ${W.ROOM_NAMES.length} THEN '（' || (r / ${C} / ${W.ROOM_NAMES.length} + 1) || '）' ELSE '' END,
             10 + (r * 7) % 110,
             ARRAY[${pick(W.ROOM_FEATURES, 'r')}, ${pick(W.ROOM_FEATURES, 'r + 5')}],
             CASE WHEN r % 2 = 0 THEN ${lit(slotsJson(0))} ELSE ${lit(slotsJson(1))} END::jsonb,
             now() - interval '420 days' + r * interval '1 minute'
        FROM generate_series(0, ${R - 1}) r
      UNION ALL
      SELECT pg_temp.uid('room', ${R}), pg_temp.uid('community', 0), '新开放共享活动室', 40, ARRAY['投影仪', '空调'], ${lit(slotsJson(0))}::jsonb, now() - interval '1 day'
      UNION ALL
      SELECT pg_temp.uid('room', ${R + 1}), pg_temp.uid('community', 0), '契约共享教室', 30, ARRAY['白板', '课桌椅'], ${lit(slotsJson(0))}::jsonb, now() - interval '1 day'`);

    const categories = arr(W.PARTNER_CATEGORIES);
    await c.query(`
      INSERT INTO partner (id, name, category, description, calendar_token, created_at)
      SELECT pg_temp.uid('partner', p),
             ${pickByCat(W.PARTNER_NAMES, `(p / ${C}) % 5`, `p / ${C} / 5`)} || '（' || ${pick(W.COMMUNITY_NAMES, `p % ${C}`)} || '）',
             (${categories})[1 + (p / ${C}) % 5],
             CASE WHEN p % 4 = 3 THEN NULL ELSE ${pick(W.PARTNER_DESCRIPTIONS, 'p')} END,
             md5('calendar:' || p) || md5('token:' || p),
             now() - interval '415 days' + p * interval '1 second'
        FROM generate_series(0, ${P - 1}) p`);
    await c.query(`
      INSERT INTO partner_member (partner_id, user_id, role, added_at)
      SELECT pg_temp.uid('partner', p), pg_temp.uid('user', ${C} + 2 * p + m), CASE m WHEN 0 THEN 'OWNER' ELSE 'MEMBER' END,
             now() - interval '415 days' + p * interval '1 second' + m * interval '1 day'
        FROM generate_series(0, ${P - 1}) p CROSS JOIN generate_series(0, 1) m`);

    // Primary partnership: ACTIVE in community p % C. Every third partner also serves a second community.
    await c.query(`
      CREATE TEMP TABLE bench_partnership AS
      SELECT pg_temp.uid('partnership', 2 * p) AS id, p % ${C} AS c, p, 'ACTIVE'::text AS status
        FROM generate_series(0, ${P - 1}) p
      UNION ALL
      SELECT pg_temp.uid('partnership', 2 * p + 1), (p % ${C} + 1 + (p / ${C}) % ${Math.max(1, C - 1)}) % ${C}, p,
             CASE WHEN p % 9 = 3 THEN 'PENDING' ELSE 'ACTIVE' END
        FROM generate_series(0, ${P - 1}) p WHERE p % 3 = 0 AND ${C} > 1`);
    await c.query(`
      INSERT INTO partnership (id, community_id, partner_id, status, created_at, updated_at)
      SELECT id, pg_temp.uid('community', c), pg_temp.uid('partner', p), status,
             now() - interval '410 days' + p * interval '1 second', now() - interval '405 days' + p * interval '1 second'
        FROM bench_partnership`);
    await c.query(`
      INSERT INTO status_change (object_type, object_id, community_id, from_status, to_status, at, by_user_id, note)
      SELECT 'PARTNERSHIP', id, pg_temp.uid('community', c), NULL, 'PENDING', now() - interval '410 days' + p * interval '1 second',
             pg_temp.uid('user', ${C} + 2 * p), NULL
        FROM bench_partnership
      UNION ALL
      SELECT 'PARTNERSHIP', id, pg_temp.uid('community', c), 'PENDING', 'ACTIVE', now() - interval '405 days' + p * interval '1 second',
             pg_temp.uid('user', c), '欢迎加入社区合伙人'
        FROM bench_partnership WHERE status = 'ACTIVE'`);
  }

  async demand(c: Client, tables: Set<string>): Promise<void> {
    const { C, P, D, O } = this;
    const restore: (() => Promise<void>)[] = [];
    for (const t of ['demand_item', 'supply_offer', 'demand_match']) restore.push(await dropSecondaryIndexes(c, t));
    const demandTitles = W.DEMAND_TITLES.map((l) => l.map(([t]) => t));
    const demandUnits = W.DEMAND_TITLES.map((l) => l.map(([, u]) => u));
    const offerTitles = W.OFFER_TITLES.map((l) => l.map(([t]) => t));
    const offerUnits = W.OFFER_TITLES.map((l) => l.map(([, u]) => u));
    const urgency = `(ARRAY['LOW', 'NORMAL', 'NORMAL', 'HIGH', 'URGENT'])[1 + (d / ${C} * 3 + d) % 5]`;
    // Demand d: community d % C, category (d / C) % 7, oldest first over 400 days; every 20th cancelled.
    await c.query(`
      CREATE TEMP TABLE bench_demand AS
      SELECT d, d % ${C} AS c, (d / ${C}) % 7 AS cat, 4 + (d * 13) % 47 AS q, ${urgency} AS urgency,
             now() - interval '400 days' * (${D} - d)::float8 / ${D} AS created_at
        FROM generate_series(0, ${D - 1}) d`);
    await c.query(`
      INSERT INTO demand_item (id, community_id, title, description, category, quantity, unit, urgency, needed_by, status,
                               created_by, created_at, updated_at)
      SELECT pg_temp.uid('demand', d), pg_temp.uid('community', c),
             ${pick(W.PLACES, `d * 7 + d / ${C}`)} || ${pickByCat(demandTitles, 'cat', `d / ${C} / 7`)},
             CASE WHEN d % 6 = 0 THEN NULL ELSE ${pick(W.DEMAND_DESCRIPTIONS, 'd')} END,
             (${arr(W.RESOURCE_CATEGORIES)})[1 + cat],
             CASE WHEN cat = 4 THEN q * 500 ELSE q END,
             ${pickByCat(demandUnits, 'cat', `d / ${C} / 7`)},
             urgency,
             CASE WHEN d % 3 = 0 THEN NULL ELSE ((created_at + (14 + d % 60) * interval '1 day') AT TIME ZONE ${lit(TIME_ZONE)})::date END,
             CASE WHEN d % 20 = 0 THEN 'CANCELLED' ELSE 'OPEN' END,
             pg_temp.uid('user', c), created_at, created_at
        FROM bench_demand`);

    // Offer o: partner o % P, category (o / P) % 7, so partner p's offer of category k is p + P * k.
    await c.query(`
      INSERT INTO supply_offer (id, partner_id, category, title, description, quantity, unit, available_until, all_communities,
                                status, created_by, created_at, updated_at)
      SELECT pg_temp.uid('offer', o), pg_temp.uid('partner', o % ${P}), (${arr(W.RESOURCE_CATEGORIES)})[1 + (o / ${P}) % 7],
             ${pickByCat(offerTitles, `(o / ${P}) % 7`, `o / ${P} / 7 + o % ${P}`)},
             CASE WHEN o % 3 = 0 THEN NULL ELSE ${pick(W.PARTNER_DESCRIPTIONS, 'o')} END,
             CASE WHEN (o / ${P}) % 7 = 4 THEN 100 * (100 + (o * 17) % 900) ELSE 100 + (o * 17) % 900 END,
             ${pickByCat(offerUnits, `(o / ${P}) % 7`, `o / ${P} / 7 + o % ${P}`)},
             CASE WHEN o % 4 = 0 THEN now() + (30 + o % 300) * interval '1 day' END,
             o % 5 <> 0,
             CASE WHEN o % 29 = 0 THEN 'WITHDRAWN' WHEN o % 10 = 9 THEN 'PAUSED' ELSE 'ACTIVE' END,
             pg_temp.uid('user', ${C} + 2 * (o % ${P})),
             now() - interval '400 days' * (${O} - o)::float8 / ${O}, now() - interval '400 days' * (${O} - o)::float8 / ${O}
        FROM generate_series(0, ${O - 1}) o`);
    if (tables.has('offer_community')) {
      await c.query(`
        INSERT INTO offer_community (offer_id, community_id)
        SELECT DISTINCT pg_temp.uid('offer', o), pg_temp.uid('community', bp.c)
          FROM generate_series(0, ${O - 1}) o JOIN bench_partnership bp ON bp.p = o % ${P} AND bp.status = 'ACTIVE'
         WHERE o % 5 = 0`);
    }

    // The k-th demand item of each community (k = d / C) gets k % 4 matches from its community's
    // partners, so every community has some at every scale (d % 4 gave none to the communities
    // c with c % 4 = 0 whenever C % 4 = 0: community 0 of scale 10, whose queue the bench reads);
    // statuses cycle through every lifecycle end.
    const matchCount = `(d.d / ${C}) % 4`;
    await c.query(`
      CREATE TEMP TABLE bench_match AS
      SELECT d.d, m, d.c, d.cat, d.q, d.urgency, d.created_at AS demand_created,
             ${this.partnerOf('d.c', `(d.d / ${C}) * 7 + m * 13`)} AS p,
             CASE WHEN (d.d + m) % 3 = 0 THEN 'DISPATCH' ELSE 'CLAIM' END AS origin,
             (d.d / 4 + m * 3) % 10 AS s,
             CASE WHEN ${matchCount} = 1 AND (d.d / 4) % 3 = 0 THEN CASE WHEN d.cat = 4 THEN d.q * 500 ELSE d.q END
                  ELSE greatest(1, CASE WHEN d.cat = 4 THEN d.q * 500 ELSE d.q END / 4) END AS qty,
             least(d.created_at + (m + 1) * interval '1 hour', now() - interval '1 minute') AS created_at
        FROM bench_demand d CROSS JOIN generate_series(0, 2) m WHERE m < ${matchCount}`);
    await c.query(`
      ALTER TABLE bench_match ADD COLUMN status text, ADD COLUMN id uuid;
      UPDATE bench_match SET id = pg_temp.uid('match', d * 4 + m), status = CASE
        WHEN origin = 'CLAIM' THEN (ARRAY['PENDING_REVIEW', 'PENDING_REVIEW', 'PENDING_REVIEW', 'APPROVED', 'APPROVED',
                                          'FULFILLED', 'FULFILLED', 'FULFILLED', 'REJECTED', 'WITHDRAWN'])[1 + s]
        ELSE (ARRAY['PROPOSED', 'PROPOSED', 'DECLINED', 'APPROVED', 'APPROVED', 'FULFILLED', 'FULFILLED', 'FULFILLED',
                    'WITHDRAWN', 'WITHDRAWN'])[1 + s] END`);
    const reviewed = `origin = 'CLAIM' AND status IN ('APPROVED', 'REJECTED', 'FULFILLED')`;
    const reviewedAt = `least(created_at + interval '1 day', now() - interval '1 minute')`;
    const fulfilledAt = `least(created_at + interval '10 days', now() - interval '1 minute')`;
    await c.query(`
      INSERT INTO demand_match (id, community_id, demand_id, partner_id, offer_id, quantity, origin, status, urgency_rank, note,
                                review_note, reviewed_by_id, reviewed_at, fulfilled_at, created_by, created_at, updated_at)
      SELECT id, pg_temp.uid('community', c), pg_temp.uid('demand', d), pg_temp.uid('partner', p),
             CASE WHEN origin = 'DISPATCH' OR m % 2 = 0 THEN pg_temp.uid('offer', p + ${P} * cat) END,
             qty, origin, status,
             CASE urgency WHEN 'URGENT' THEN 3 WHEN 'HIGH' THEN 2 WHEN 'NORMAL' THEN 1 ELSE 0 END,
             CASE WHEN origin = 'CLAIM' THEN ${pick(W.MATCH_NOTES, 'd + m')} END,
             CASE WHEN ${reviewed} THEN ${pick(W.REVIEW_NOTES, 'd')} END,
             CASE WHEN ${reviewed} THEN pg_temp.uid('user', c) END,
             CASE WHEN ${reviewed} THEN ${reviewedAt} END,
             CASE WHEN status = 'FULFILLED' THEN ${fulfilledAt} END,
             CASE WHEN origin = 'CLAIM' THEN pg_temp.uid('user', ${C} + 2 * p) ELSE pg_temp.uid('user', c) END,
             created_at,
             CASE WHEN status = 'FULFILLED' THEN ${fulfilledAt} WHEN status IN ('PROPOSED', 'PENDING_REVIEW') THEN created_at ELSE ${reviewedAt} END
        FROM bench_match`);

    // Quantities held by live matches, summed back into their demand items and offers.
    await c.query(`
      UPDATE demand_item di
         SET matched_quantity = agg.live, fulfilled_quantity = agg.fulfilled,
             status = CASE WHEN di.status = 'CANCELLED' THEN 'CANCELLED' WHEN agg.fulfilled = di.quantity THEN 'FULFILLED'
                           WHEN agg.live = di.quantity THEN 'MATCHED' ELSE 'OPEN' END
        FROM (SELECT demand_id, coalesce(sum(quantity) FILTER (WHERE status IN ${LIVE}), 0) AS live,
                     coalesce(sum(quantity) FILTER (WHERE status = 'FULFILLED'), 0) AS fulfilled
                FROM demand_match GROUP BY demand_id) agg
       WHERE agg.demand_id = di.id`);
    await c.query(`
      UPDATE supply_offer so SET held_quantity = agg.held, quantity = greatest(so.quantity, agg.held)
        FROM (SELECT offer_id, sum(quantity) AS held FROM demand_match WHERE offer_id IS NOT NULL AND status IN ${LIVE} GROUP BY offer_id) agg
       WHERE agg.offer_id = so.id`);

    if (tables.has('evaluation')) {
      await c.query(`
        INSERT INTO evaluation (community_id, match_id, partner_id, rating, comment, evaluated_by_id, created_at)
        SELECT pg_temp.uid('community', c), id, pg_temp.uid('partner', p), 3 + (d + m) % 3,
               CASE WHEN d % 3 = 0 THEN NULL ELSE ${pick(W.EVALUATION_COMMENTS, 'd')} END,
               pg_temp.uid('user', c), least(${fulfilledAt} + interval '1 day', now())
          FROM bench_match WHERE status = 'FULFILLED' AND (d + m) % 10 < 7`);
    }

    // History: creation of every demand, offer and match, then each transition to where it stands.
    await c.query(`
      INSERT INTO status_change (object_type, object_id, community_id, from_status, to_status, at, by_user_id, note)
      SELECT 'DEMAND_ITEM', di.id, di.community_id, NULL, 'OPEN', di.created_at, di.created_by, NULL FROM demand_item di
      UNION ALL
      SELECT 'DEMAND_ITEM', di.id, di.community_id, 'OPEN', di.status, di.updated_at, di.created_by, NULL
        FROM demand_item di WHERE di.status <> 'OPEN'
      UNION ALL
      SELECT 'SUPPLY_OFFER', so.id, NULL, NULL, 'ACTIVE', so.created_at, so.created_by, NULL FROM supply_offer so
      UNION ALL
      SELECT 'SUPPLY_OFFER', so.id, NULL, 'ACTIVE', so.status, so.updated_at, so.created_by, NULL
        FROM supply_offer so WHERE so.status <> 'ACTIVE'`);
    await c.query(`
      INSERT INTO status_change (object_type, object_id, community_id, from_status, to_status, at, by_user_id, note)
      SELECT 'MATCH', id, community_id, NULL, CASE origin WHEN 'CLAIM' THEN 'PENDING_REVIEW' ELSE 'PROPOSED' END, created_at, created_by, note
        FROM demand_match
      UNION ALL
      SELECT 'MATCH', id, community_id, CASE origin WHEN 'CLAIM' THEN 'PENDING_REVIEW' ELSE 'PROPOSED' END,
             CASE WHEN status = 'FULFILLED' THEN 'APPROVED' ELSE status END,
             coalesce(reviewed_at, updated_at), coalesce(reviewed_by_id, created_by), review_note
        FROM demand_match WHERE status NOT IN ('PENDING_REVIEW', 'PROPOSED')
      UNION ALL
      SELECT 'MATCH', id, community_id, 'APPROVED', 'FULFILLED', fulfilled_at, pg_temp.uid('user', 0), NULL
        FROM demand_match WHERE status = 'FULFILLED'`);
    // The FULFILLED confirmations above name secretary 0; put each community's own secretary instead.
    await c.query(`
      UPDATE status_change sc SET by_user_id = cs.user_id FROM community_secretary cs
       WHERE sc.object_type = 'MATCH' AND sc.to_status = 'FULFILLED' AND cs.community_id = sc.community_id`);
    for (const r of restore) await r();
  }

  /** Demand `k` of community `c` (SQL), k taken modulo the community's demand items. */
  private demandOf(c: string, k: string): string {
    const { C, D } = this;
    return `(${c} + ${C} * ((${k}) % ((${D} - 1 - ${c}) / ${C} + 1)))`;
  }

  /**
   * The domains of the residents (issue #17 item 6), per community at every scale: 400 requests,
   * 100 agenda items with up to 30 opinions each, 60 projects with 5 progress updates, 12
   * quarterly rating rounds (20 partners, a panel of 5, 5 criteria; the newest still OPEN). Each
   * partner's member lives in its community (residency). Creation and current status go to the
   * history, like the other domains.
   */
  async civic(c: Client, tables: Set<string>): Promise<void> {
    const { C, P } = this;
    const member = (p: string) => `pg_temp.uid('user', ${C} + 2 * (${p}) + 1)`;
    const owner = (p: string) => `pg_temp.uid('user', ${C} + 2 * (${p}))`;
    // Every community has at least floor(P / C) primary partners, so c + C * x with x below it exists.
    const perCommunity = Math.floor(P / C);
    const history = (type: string, temp: string, first: string, by: string) => `
      INSERT INTO status_change (object_type, object_id, community_id, from_status, to_status, at, by_user_id, note)
      SELECT '${type}', id, pg_temp.uid('community', c), NULL, ${first}, created_at, ${by}, NULL FROM ${temp}
      UNION ALL
      SELECT '${type}', id, pg_temp.uid('community', c), ${first}, status, updated_at, pg_temp.uid('user', c), NULL FROM ${temp} WHERE status <> ${first}`;

    if (tables.has('residency')) {
      await c.query(`
        INSERT INTO residency (user_id, community_id, building, verified, verified_by, verified_at, since)
        SELECT ${member('p')}, pg_temp.uid('community', p % ${C}), ${pick(W.PLACES, 'p')}, p % 4 <> 0,
               CASE WHEN p % 4 <> 0 THEN pg_temp.uid('user', p % ${C}) END,
               CASE WHEN p % 4 <> 0 THEN now() - interval '300 days' END, now() - interval '400 days'
          FROM generate_series(0, ${P - 1}) p`);
    }

    if (tables.has('resident_request')) {
      const Q = 400 * C;
      // Status by (n * 7 + c) % 10: 0-1 SUBMITTED, 2 ACCEPTED, 3 IN_PROGRESS, 4 AWAITING_INSPECTION, 8 DECLINED, else RESOLVED.
      await c.query(`
        CREATE TEMP TABLE bench_request AS
        SELECT q, c, n, n % 4 AS kind, pg_temp.uid('request', q) AS id, ${this.partnerOf('c', 'n')} AS p,
               (ARRAY['SUBMITTED', 'SUBMITTED', 'ACCEPTED', 'IN_PROGRESS', 'AWAITING_INSPECTION', 'RESOLVED', 'RESOLVED', 'RESOLVED', 'DECLINED', 'RESOLVED'])[1 + (n * 7 + c) % 10] AS status,
               now() - interval '400 days' * (${Q} - q)::float8 / ${Q} AS created_at
          FROM generate_series(0, ${Q - 1}) q, LATERAL (SELECT q % ${C} AS c, q / ${C} AS n) cn`);
      await c.query(`
        ALTER TABLE bench_request ADD COLUMN resolved_at timestamptz, ADD COLUMN updated_at timestamptz;
        UPDATE bench_request SET resolved_at = CASE WHEN status = 'RESOLVED' THEN least(created_at + (2 + q % 20) * interval '1 day', now() - interval '1 hour') END,
                                 updated_at = CASE WHEN status = 'RESOLVED' THEN least(created_at + (2 + q % 20) * interval '1 day', now() - interval '1 hour')
                                                   WHEN status = 'SUBMITTED' THEN created_at ELSE least(created_at + interval '1 day', now() - interval '1 hour') END`);
      await c.query(`
        INSERT INTO resident_request (id, community_id, requester_id, kind, title, description, building, status, anonymous_on_board, demand_id,
                                      decline_reason, rating_score, rating_comment, rated_at, created_at, updated_at, resolved_at)
        SELECT id, pg_temp.uid('community', c), ${member('p')}, (${arr(W.REQUEST_KINDS)})[1 + kind],
               ${pickByCat(W.REQUEST_TITLES, 'kind', 'n / 4')},
               CASE WHEN q % 3 = 0 THEN NULL ELSE ${pick(W.DEMAND_DESCRIPTIONS, 'q')} END,
               ${pick(W.PLACES, 'q')}, status, q % 3 <> 0,
               CASE WHEN status NOT IN ('SUBMITTED', 'DECLINED') THEN pg_temp.uid('demand', ${this.demandOf('c', 'n')}) END,
               CASE WHEN status = 'DECLINED' THEN ${pick(W.DECLINE_REASONS, 'q')} END,
               CASE WHEN status = 'RESOLVED' AND q % 4 <> 0 THEN 2 + (q * 7) % 4 END,
               CASE WHEN status = 'RESOLVED' AND q % 4 = 1 THEN ${pick(W.EVALUATION_COMMENTS, 'q')} END,
               CASE WHEN status = 'RESOLVED' AND q % 4 <> 0 THEN resolved_at END,
               created_at, updated_at, resolved_at
          FROM bench_request`);
      await c.query(history('RESIDENT_REQUEST', 'bench_request', `'SUBMITTED'`, member('p')));
    }

    if (tables.has('project')) {
      const J = 60 * C;
      // Status by (n * 7 + c) % 10: 0 PROPOSED, 1 APPROVED, 5-7 COMPLETED, 8 CANCELLED, else IN_PROGRESS; every third led by a person.
      await c.query(`
        CREATE TEMP TABLE bench_project AS
        SELECT j, c, n, pg_temp.uid('project', j) AS id, ${this.partnerOf('c', 'n')} AS p, n % 3 = 0 AS by_person,
               (ARRAY['PROPOSED', 'APPROVED', 'IN_PROGRESS', 'IN_PROGRESS', 'IN_PROGRESS', 'COMPLETED', 'COMPLETED', 'COMPLETED', 'CANCELLED', 'IN_PROGRESS'])[1 + (n * 7 + c) % 10] AS status,
               now() - interval '400 days' * (${J} - j)::float8 / ${J} AS created_at
          FROM generate_series(0, ${J - 1}) j, LATERAL (SELECT j % ${C} AS c, j / ${C} AS n) cn`);
      await c.query(`
        ALTER TABLE bench_project ADD COLUMN approved_at timestamptz, ADD COLUMN completed_at timestamptz, ADD COLUMN progress int, ADD COLUMN updated_at timestamptz;
        UPDATE bench_project SET
          approved_at = CASE WHEN status IN ('APPROVED', 'IN_PROGRESS', 'COMPLETED') THEN least(created_at + interval '7 days', now() - interval '2 hours') END,
          completed_at = CASE WHEN status = 'COMPLETED' THEN least(created_at + interval '120 days', now() - interval '1 hour') END,
          progress = CASE status WHEN 'COMPLETED' THEN 100 WHEN 'IN_PROGRESS' THEN 10 + (j * 13) % 80 ELSE 0 END;
        UPDATE bench_project SET updated_at = coalesce(completed_at, approved_at,
          CASE WHEN status = 'CANCELLED' THEN least(created_at + interval '3 days', now() - interval '1 hour') ELSE created_at END)`);
      await c.query(`
        INSERT INTO project (id, community_id, title, description, status, lead_partner_id, lead_user_id, proposed_by, start_date, end_date,
                             progress_percent, approved_at, summary, cancel_reason, completed_at, created_at, updated_at)
        SELECT id, pg_temp.uid('community', c), ${pick(W.PLACES, 'j')} || ${pick(W.PROJECT_TITLES, 'n')},
               CASE WHEN j % 4 = 0 THEN NULL ELSE ${pick(W.DEMAND_DESCRIPTIONS, 'j')} END, status,
               CASE WHEN NOT by_person THEN pg_temp.uid('partner', p) END, CASE WHEN by_person THEN ${member('p')} END,
               pg_temp.uid('user', c),
               CASE WHEN approved_at IS NOT NULL THEN ((approved_at AT TIME ZONE ${lit(TIME_ZONE)}) + interval '7 days')::date END,
               CASE WHEN approved_at IS NOT NULL THEN ((approved_at AT TIME ZONE ${lit(TIME_ZONE)}) + interval '127 days')::date END,
               progress, approved_at,
               CASE WHEN status = 'COMPLETED' THEN '按计划完成，居民验收通过' END,
               CASE WHEN status = 'CANCELLED' THEN '经费未落实，暂缓实施' END,
               completed_at, created_at, updated_at
          FROM bench_project`);
      // Five updates of every project under way or done, their percentages rising to where it stands.
      const pct = (u: string) => `CASE WHEN status = 'COMPLETED' THEN 20 * (${u}) ELSE progress * (${u}) / 5 END`;
      await c.query(`
        INSERT INTO project_update (id, community_id, project_id, author_id, as_partner_id, text, progress_percent, previous_percent, created_at)
        SELECT pg_temp.uid('project_update', j * 5 + u), pg_temp.uid('community', c), id,
               CASE WHEN by_person THEN ${member('p')} ELSE ${owner('p')} END, CASE WHEN NOT by_person THEN pg_temp.uid('partner', p) END,
               ${pick(W.PROJECT_UPDATES, 'u')}, ${pct('u + 1')}, ${pct('u')},
               least(approved_at + (u + 1) * interval '7 days', coalesce(completed_at, now()) - (5 - u) * interval '1 minute')
          FROM bench_project CROSS JOIN generate_series(0, 4) u WHERE status IN ('IN_PROGRESS', 'COMPLETED')`);
      await c.query(`
        INSERT INTO project_demand (community_id, project_id, demand_id)
        SELECT pg_temp.uid('community', c), id, pg_temp.uid('demand', ${this.demandOf('c', 'n * 5 + 2 * k')})
          FROM bench_project CROSS JOIN generate_series(0, 1) k WHERE approved_at IS NOT NULL`);
      await c.query(history('PROJECT', 'bench_project', `'PROPOSED'`, 'pg_temp.uid(\'user\', c)'));
    }

    if (tables.has('agenda_item')) {
      const A = 100 * C;
      const opinions = Math.min(30, 2 * perCommunity);
      // Status by (n * 3 + c) % 10: 0 PROPOSED, 1-2 OPEN_FOR_OPINIONS, 9 WITHDRAWN, else DECIDED.
      await c.query(`
        CREATE TEMP TABLE bench_agenda AS
        SELECT i, c, n, pg_temp.uid('agenda', i) AS id,
               (ARRAY['PROPOSED', 'OPEN_FOR_OPINIONS', 'OPEN_FOR_OPINIONS', 'DECIDED', 'DECIDED', 'DECIDED', 'DECIDED', 'DECIDED', 'DECIDED', 'WITHDRAWN'])[1 + (n * 3 + c) % 10] AS status,
               least(now() - interval '400 days' * (${A} - i)::float8 / ${A}, now() - interval '3 hours') AS created_at
          FROM generate_series(0, ${A - 1}) i, LATERAL (SELECT i % ${C} AS c, i / ${C} AS n) cn`);
      await c.query(`
        ALTER TABLE bench_agenda ADD COLUMN opened_at timestamptz, ADD COLUMN decided_at timestamptz, ADD COLUMN updated_at timestamptz;
        UPDATE bench_agenda SET opened_at = CASE WHEN status <> 'PROPOSED' THEN created_at + interval '1 hour' END,
                                decided_at = CASE WHEN status = 'DECIDED' THEN least(created_at + interval '21 days', now() - interval '1 hour') END;
        UPDATE bench_agenda SET updated_at = CASE WHEN status = 'WITHDRAWN' THEN opened_at + interval '1 hour' ELSE coalesce(decided_at, opened_at, created_at) END`);
      await c.query(`
        INSERT INTO agenda_item (id, community_id, title, description, status, opinions_close_at, proposed_by, opened_at, meeting_date, attendees,
                                 outcome, decided_at, withdrawal_reason, created_at, updated_at)
        SELECT id, pg_temp.uid('community', c), ${pick(W.PLACES, 'i')} || ${pick(W.AGENDA_TITLES, 'n')},
               CASE WHEN i % 5 = 0 THEN NULL ELSE ${pick(W.DEMAND_DESCRIPTIONS, 'i')} END, status,
               CASE WHEN status = 'OPEN_FOR_OPINIONS' THEN now() + (1 + n % 14) * interval '1 day' ELSE created_at + interval '14 days' END,
               CASE WHEN n % 3 = 0 THEN ${member(this.partnerOf('c', 'n'))} ELSE pg_temp.uid('user', c) END,
               opened_at,
               CASE WHEN status = 'DECIDED' THEN (decided_at AT TIME ZONE ${lit(TIME_ZONE)})::date END,
               CASE WHEN status = 'DECIDED' THEN 20 + n % 80 END,
               CASE WHEN status = 'DECIDED' THEN ${pick(W.AGENDA_OUTCOMES, 'i')} END,
               decided_at,
               CASE WHEN status = 'WITHDRAWN' THEN '方案需要重新论证' END,
               created_at, updated_at
          FROM bench_agenda`);
      // Opinion k of an item: the owner (k even) or member (k odd) of the community's partner k / 2.
      await c.query(`
        INSERT INTO agenda_opinion (id, community_id, agenda_item_id, author_id, stance, text, anonymous, created_at, updated_at)
        SELECT pg_temp.uid('opinion', i * 32 + k), pg_temp.uid('community', c), id,
               pg_temp.uid('user', ${C} + 2 * (c + ${C} * (k / 2)) + k % 2),
               (ARRAY['SUPPORT', 'SUPPORT', 'SUPPORT', 'OPPOSE', 'NEUTRAL'])[1 + (i * 3 + k * 7) % 5],
               CASE WHEN k % 3 = 0 THEN NULL ELSE ${pick(W.OPINION_TEXTS, 'i + k')} END, k % 4 = 0,
               least(opened_at + (k + 1) * interval '1 hour', now() - interval '1 minute'),
               least(opened_at + (k + 1) * interval '1 hour', now() - interval '1 minute')
          FROM bench_agenda CROSS JOIN generate_series(0, ${opinions - 1}) k
         WHERE status <> 'PROPOSED' AND k < 10 + i % 21`);
      await c.query(`
        INSERT INTO agenda_item_demand (community_id, agenda_item_id, demand_id)
        SELECT pg_temp.uid('community', c), id, pg_temp.uid('demand', ${this.demandOf('c', 'n * 3 + 1')}) FROM bench_agenda WHERE status = 'DECIDED' AND n % 2 = 0`);
      if (tables.has('agenda_item_project') && tables.has('project')) {
        await c.query(`
          INSERT INTO agenda_item_project (community_id, agenda_item_id, project_id)
          SELECT pg_temp.uid('community', c), id, pg_temp.uid('project', c + ${C} * (n % 60)) FROM bench_agenda WHERE status = 'DECIDED' AND n % 4 = 1`);
      }
      await c.query(history('AGENDA_ITEM', 'bench_agenda', `CASE WHEN opened_at IS NULL THEN 'PROPOSED' ELSE 'OPEN_FOR_OPINIONS' END`, 'pg_temp.uid(\'user\', c)'));
    }

    if (tables.has('rating_round')) {
      const K = 12 * C;
      const partners = Math.min(20, perCommunity);
      const panel = Math.min(4, perCommunity);
      const criteria = JSON.stringify([
        { key: 'party_leadership', name: '党建引领作用', weight: 1 },
        { key: 'institutional_standards', name: '制度规范化建设', weight: 1 },
        { key: 'overall_effectiveness', name: '整体工作效能', weight: 1 },
        { key: 'social_assessment', name: '社会评估', weight: 1 },
        { key: 'innovation', name: '创新工作机制', weight: 1 },
      ]);
      // Round n of a community covers the quarter 11 - n quarters ago; the current quarter's is OPEN.
      await c.query(`
        CREATE TEMP TABLE bench_round AS
        SELECT k, c, n, pg_temp.uid('round', k) AS id, CASE WHEN n = 11 THEN 'OPEN' ELSE 'CLOSED' END AS status, q AS quarter,
               least(q + interval '60 days', now() - interval '2 days') AS created_at
          FROM generate_series(0, ${K - 1}) k,
               LATERAL (SELECT k % ${C} AS c, k / ${C} AS n) cn,
               LATERAL (SELECT date_trunc('quarter', now() AT TIME ZONE ${lit(TIME_ZONE)}) - (11 - k / ${C}) * interval '3 months' AS q) qq`);
      await c.query(`
        ALTER TABLE bench_round ADD COLUMN closes_at timestamptz, ADD COLUMN updated_at timestamptz;
        UPDATE bench_round SET closes_at = CASE WHEN status = 'OPEN' THEN now() + interval '7 days' ELSE created_at + interval '14 days' END;
        UPDATE bench_round SET updated_at = CASE WHEN status = 'OPEN' THEN created_at ELSE closes_at END`);
      await c.query(`
        INSERT INTO rating_round (id, community_id, title, period, status, closes_at, criteria, opened_by, closed_at, created_at, updated_at)
        SELECT id, pg_temp.uid('community', c), to_char(quarter, 'YYYY"Q"Q') || ' 合伙人评议', to_char(quarter, 'YYYY"Q"Q'), status, closes_at,
               ${lit(criteria)}::jsonb, pg_temp.uid('user', c), CASE WHEN status = 'CLOSED' THEN closes_at END, created_at, updated_at
          FROM bench_round`);
      await c.query(`
        INSERT INTO rating_round_partner (community_id, round_id, partner_id)
        SELECT pg_temp.uid('community', c), id, pg_temp.uid('partner', c + ${C} * x) FROM bench_round CROSS JOIN generate_series(0, ${partners - 1}) x`);
      // The panel: the secretary and the members of the community's first partners.
      await c.query(`
        CREATE TEMP TABLE bench_panellist AS
        SELECT r.k, r.c, r.id, r.status, r.created_at, r.closes_at, w,
               CASE WHEN w = 0 THEN pg_temp.uid('user', r.c) ELSE ${member(`r.c + ${C} * (w - 1)`)} END AS user_id
          FROM bench_round r CROSS JOIN generate_series(0, ${panel}) w`);
      await c.query(`INSERT INTO rating_panellist (community_id, round_id, user_id) SELECT pg_temp.uid('community', c), id, user_id FROM bench_panellist`);
      // Every panellist scored every partner of a closed round; of the open round, the first three did.
      await c.query(`
        INSERT INTO rating_ballot (community_id, round_id, partner_id, panellist_id, comment, scored_at)
        SELECT pg_temp.uid('community', c), id, pg_temp.uid('partner', c + ${C} * x), user_id,
               CASE WHEN (k + x + w) % 6 = 0 THEN ${pick(W.EVALUATION_COMMENTS, 'k + x')} END,
               least(created_at + (1 + w) * interval '1 day' + x * interval '1 minute', now() - interval '1 hour')
          FROM bench_panellist CROSS JOIN generate_series(0, ${partners - 1}) x WHERE status = 'CLOSED' OR w < 3`);
      await c.query(`
        INSERT INTO rating_score (community_id, round_id, partner_id, panellist_id, criterion_key, score)
        SELECT b.community_id, b.round_id, b.partner_id, b.panellist_id, cr.c->>'key', 2 + (abs(hashtext(b.partner_id::text || b.panellist_id::text)) + cr.ord::int) % 4
          FROM rating_ballot b CROSS JOIN jsonb_array_elements(${lit(criteria)}::jsonb) WITH ORDINALITY AS cr(c, ord)`);
      // Results of the closed rounds, as closing freezes them (ratings.service.ts freezeResults).
      await c.query(`
        INSERT INTO partner_rating (community_id, round_id, partner_id, stars, score, ballots, by_criterion, published_at)
        SELECT s.community_id, s.round_id, s.partner_id, floor(s.score + 0.5)::int, s.score, s.ballots, s.by_criterion, r.closes_at
          FROM (SELECT community_id, round_id, partner_id, round(avg(average)::numeric, 4) AS score, max(ballots) AS ballots,
                       jsonb_agg(jsonb_build_object('key', key, 'average', round(average::numeric, 4)) ORDER BY ord) AS by_criterion
                  FROM (SELECT sc.community_id, sc.round_id, sc.partner_id, sc.criterion_key AS key, cr.ord, avg(sc.score)::float8 AS average,
                               count(*)::int AS ballots
                          FROM rating_score sc JOIN jsonb_array_elements(${lit(criteria)}::jsonb) WITH ORDINALITY AS cr(c, ord) ON cr.c->>'key' = sc.criterion_key
                         GROUP BY 1, 2, 3, 4, 5) per_criterion
                 GROUP BY 1, 2, 3) s
          JOIN bench_round r ON r.id = s.round_id
         WHERE r.status = 'CLOSED'`);
      await c.query(history('RATING_ROUND', 'bench_round', `'OPEN'`, 'pg_temp.uid(\'user\', c)'));
    }
  }

  async spaces(c: Client): Promise<void> {
    const { C, R, P, B } = this;
    const contractCols = await columnsOf(c, 'space_contract');
    const restore = await dropSecondaryIndexes(c, 'booking');
    await c.query(`CREATE TEMP TABLE bench_slot (set_id int, dow int, st time, et time)`);
    await c.query(`INSERT INTO bench_slot VALUES ${slotValues}`);
    const today = `(now() AT TIME ZONE ${lit(TIME_ZONE)})::date`;
    // Room r's ACTIVE contract: a merchant of its community, every Saturday's first slot, a 52-week term that began 200 days ago.
    const merchant = this.partnerOf('r % ' + C, `3 + 5 * ((r / ${C}) % greatest(1, ((${P} - 1 - r % ${C}) / ${C} + 1 - 4) / 5 + 1))`);
    await c.query(`
      CREATE TEMP TABLE bench_contract AS
      SELECT r, r % ${C} AS c, ${merchant} AS p, s.st, s.et, 'ACTIVE'::text AS status, ${today} - 200 AS starts_on, ${today} - 200 + 363 AS ends_on,
             pg_temp.uid('contract', r) AS id, 6 AS dow
        FROM generate_series(0, ${R - 1}) r
        JOIN LATERAL (SELECT st, et FROM bench_slot WHERE set_id = r % 2 AND dow = 6 ORDER BY st LIMIT 1) s ON true
      UNION ALL
      SELECT r, r % ${C}, ${merchant}, s.st, s.et, 'PENDING_REVIEW', ${today} + 14, ${today} + 14 + 181, pg_temp.uid('contract', ${R} + r), 7
        FROM generate_series(0, ${R - 1}) r
        JOIN LATERAL (SELECT st, et FROM bench_slot WHERE set_id = r % 2 AND dow = 7 ORDER BY st DESC LIMIT 1) s ON true
       WHERE r % 4 = 0`);
    await c.query(`
      INSERT INTO space_contract (id, community_id, room_id, partner_id, title, public_benefit_commitment, sessions_per_month, weekly_slots,
                                  starts_on, ends_on, ends_at, status${contractCols.has('proposed_by') ? ', proposed_by' : ''}, created_at, updated_at)
      SELECT id, pg_temp.uid('community', c), pg_temp.uid('room', r), pg_temp.uid('partner', p),
             ${pick(W.CONTRACT_TITLES, 'r')}, ${pick(W.CONTRACT_COMMITMENTS, 'r')}, 1 + r % 3,
             jsonb_build_array(jsonb_build_object('weekday', (${arr(WEEKDAYS)})[dow], 'startTime', to_char(st, 'HH24:MI'), 'endTime', to_char(et, 'HH24:MI'))),
             starts_on, ends_on, (ends_on + 1)::timestamp AT TIME ZONE ${lit(TIME_ZONE)}, status
             ${contractCols.has('proposed_by') ? `, pg_temp.uid('user', ${C} + 2 * p)` : ''},
             (starts_on - 10)::timestamp AT TIME ZONE ${lit(TIME_ZONE)},
             (starts_on - CASE status WHEN 'ACTIVE' THEN 5 ELSE 10 END)::timestamp AT TIME ZONE ${lit(TIME_ZONE)}
        FROM bench_contract`);
    await c.query(`
      INSERT INTO status_change (object_type, object_id, community_id, from_status, to_status, at, by_user_id, note)
      SELECT 'SPACE_CONTRACT', id, pg_temp.uid('community', c), NULL, 'PENDING_REVIEW', (starts_on - 10)::timestamp AT TIME ZONE ${lit(TIME_ZONE)},
             pg_temp.uid('user', ${C} + 2 * p), NULL FROM bench_contract
      UNION ALL
      SELECT 'SPACE_CONTRACT', id, pg_temp.uid('community', c), 'PENDING_REVIEW', 'ACTIVE', (starts_on - 5)::timestamp AT TIME ZONE ${lit(TIME_ZONE)},
             pg_temp.uid('user', c), '同意，请按承诺开展公益活动' FROM bench_contract WHERE status = 'ACTIVE'`);

    // Every slot occurrence of rooms 0..R-1 from 400 days ago to 179 days ahead; each room books
    // its ACTIVE contract's occurrences plus a pseudo-random share of the rest, B in all.
    const perRoom = Math.floor(B / R);
    const extra = B % R;
    await c.query(`
      CREATE TEMP TABLE bench_booking AS
      SELECT * FROM (
        SELECT o.*, row_number() OVER (PARTITION BY o.r ORDER BY o.contract_id IS NULL, o.h) AS rn
          FROM (
            SELECT g.r, g.r % ${C} AS c, t.start_at, t.end_at, k.id AS contract_id, k.p AS contract_partner,
                   ('x' || substr(md5(g.r || ':' || t.start_at), 1, 8))::bit(32)::int & 2147483647 AS h
              FROM generate_series(0, ${R - 1}) AS g(r)
              CROSS JOIN generate_series(${today} - 400, ${today} + 179, interval '1 day') AS d(day)
              JOIN bench_slot s ON s.set_id = g.r % 2 AND s.dow = extract(isodow FROM d.day)
              CROSS JOIN LATERAL (SELECT (d.day + s.st) AT TIME ZONE ${lit(TIME_ZONE)} AS start_at,
                                         (d.day + s.et) AT TIME ZONE ${lit(TIME_ZONE)} AS end_at) t
              LEFT JOIN bench_contract k ON k.r = g.r AND k.status = 'ACTIVE' AND k.dow = s.dow AND k.st = s.st
                                        AND d.day::date BETWEEN k.starts_on AND k.ends_on
          ) o
      ) ranked
      WHERE rn <= ${perRoom} + CASE WHEN r < ${extra} THEN 1 ELSE 0 END`);
    const partner = `CASE WHEN contract_id IS NOT NULL THEN contract_partner WHEN h % 4 = 0 THEN NULL ELSE ${this.partnerOf('c', 'h / 4 + rn')} END`;
    await c.query(`
      INSERT INTO booking (community_id, room_id, partner_id, contract_id, start_at, end_at, purpose, kind, status, created_by, created_at, cancelled_at, cancel_reason)
      SELECT pg_temp.uid('community', c), pg_temp.uid('room', r), CASE WHEN p IS NOT NULL THEN pg_temp.uid('partner', p) END, contract_id,
             start_at, end_at,
             CASE WHEN contract_id IS NOT NULL THEN ${pick(W.CONTRACT_TITLES, 'r')} ELSE ${pick(W.BOOKING_PURPOSES, 'h')} END,
             CASE WHEN contract_id IS NOT NULL THEN 'PUBLIC_BENEFIT' ELSE 'OWN_USE' END,
             CASE WHEN contract_id IS NULL AND h % 15 = 0 THEN 'CANCELLED' ELSE 'CONFIRMED' END,
             CASE WHEN p IS NULL THEN pg_temp.uid('user', c) ELSE pg_temp.uid('user', ${C} + 2 * p) END,
             created_at,
             CASE WHEN contract_id IS NULL AND h % 15 = 0 THEN least(created_at + interval '1 day', now()) END,
             CASE WHEN contract_id IS NULL AND h % 15 = 0 THEN '活动改期，取消预约' END
        FROM (SELECT *, ${partner} AS p,
                     least(start_at - (3 + h % 25) * interval '1 day', now() - interval '1 hour') AS created_at
                FROM bench_booking) x`);
    await c.query(`
      INSERT INTO status_change (object_type, object_id, community_id, from_status, to_status, at, by_user_id, note)
      SELECT 'BOOKING', id, community_id, NULL, 'CONFIRMED', created_at, created_by, NULL FROM booking
      UNION ALL
      SELECT 'BOOKING', id, community_id, 'CONFIRMED', 'CANCELLED', cancelled_at, created_by, cancel_reason FROM booking WHERE status = 'CANCELLED'`);
    await restore();
  }

  /**
   * The inbox rows the app writes when it tells people of a change (`<OBJECT>_<STATUS>`): partner
   * members hear of partnership and match decisions and of cancelled bookings, volunteers of their
   * decided logs. Rows older than a week are mostly read.
   */
  async notifications(c: Client, domains: Facts['domains']): Promise<void> {
    const restore = await dropSecondaryIndexes(c, 'notification');
    const cols = await columnsOf(c, 'notification');
    const read = `CASE WHEN at < now() - interval '7 days' AND abs(hashtext(id::text)) % 10 < 8 THEN at + interval '1 day' END`;
    const insert = (select: string) => `
      INSERT INTO notification (user_id, community_id, kind, message, created_at, read_at, ${['partnership_id', 'match_id', 'booking_id', 'service_log_id'].filter((x) => cols.has(x)).join(', ')})
      SELECT user_id, community_id, kind, message, at, ${read}, ${['partnership_id', 'match_id', 'booking_id', 'service_log_id'].filter((x) => cols.has(x)).join(', ')}
        FROM (${select}) n`;
    const none = 'NULL::uuid';
    await c.query(
      insert(`
        SELECT ps.id, pm.user_id, ps.community_id, 'PARTNERSHIP_ACTIVE' AS kind, co.name || ' approved your partnership request' AS message,
               ps.updated_at AS at, ps.id AS partnership_id, ${none} AS match_id, ${none} AS booking_id, ${none} AS service_log_id
          FROM partnership ps JOIN partner_member pm ON pm.partner_id = ps.partner_id JOIN community co ON co.id = ps.community_id
         WHERE ps.status = 'ACTIVE'`),
    );
    if (domains.demand) {
      await c.query(
        insert(`
          SELECT m.id, pm.user_id, m.community_id, 'MATCH_' || m.status AS kind, 'Your claim of "' || d.title || '" is now ' || lower(m.status) AS message,
                 m.updated_at AS at, ${none} AS partnership_id, m.id AS match_id, ${none} AS booking_id, ${none} AS service_log_id
            FROM demand_match m JOIN partner_member pm ON pm.partner_id = m.partner_id JOIN demand_item d ON d.id = m.demand_id
           WHERE m.origin = 'CLAIM' AND m.status IN ('APPROVED', 'REJECTED', 'FULFILLED')`),
      );
    }
    if (domains.spaces) {
      await c.query(
        insert(`
          SELECT b.id, pm.user_id, b.community_id, 'BOOKING_CANCELLED' AS kind,
                 'Booking of ' || r.name || ' on ' || to_char(b.start_at AT TIME ZONE ${lit(TIME_ZONE)}, 'YYYY-MM-DD HH24:MI') || ' was cancelled' AS message,
                 b.cancelled_at AS at, ${none} AS partnership_id, ${none} AS match_id, b.id AS booking_id, ${none} AS service_log_id
            FROM booking b JOIN partner_member pm ON pm.partner_id = b.partner_id JOIN room r ON r.id = b.room_id
           WHERE b.status = 'CANCELLED'`),
      );
    }
    if (domains.serviceHours) {
      await c.query(
        insert(`
          SELECT l.id, l.volunteer_id AS user_id, l.community_id, 'SERVICE_LOG_' || l.status AS kind,
                 'Your ' || l.minutes || ' minutes on ' || to_char(l.started_at AT TIME ZONE ${lit(TIME_ZONE)}, 'YYYY-MM-DD') || ' were ' || lower(l.status) AS message,
                 l.verified_at AS at, ${none} AS partnership_id, ${none} AS match_id, ${none} AS booking_id, l.id AS service_log_id
            FROM service_log l WHERE l.status <> 'PENDING'`),
      );
    }
    await restore();
  }

  async serviceHours(c: Client): Promise<void> {
    const { C, P, L } = this;
    const V = 2 * P;
    const perVolunteer = Math.ceil(L / V);
    const stride = Math.max(1, Math.floor(360 / perVolunteer));
    const restore = await dropSecondaryIndexes(c, 'service_log');
    // The daily rollups (kept by statement triggers) are filled in one GROUP BY after the load:
    // an upsert of ~L rows through the trigger's transition table would cost more than the load.
    const rollups = (await existingTables(c)).has('service_hours_daily');
    if (rollups) await c.query(`ALTER TABLE service_log DISABLE TRIGGER service_hours_rollup_insert`);
    // Log g: volunteer v = g % V (owner or member of partner v / 2), on its own day 1 + k * stride + v % stride ago.
    await c.query(`
      CREATE TEMP TABLE bench_log AS
      SELECT g, v, k, v / 2 AS p, (v / 2) % ${C} AS c, 1 + k * ${stride} + v % ${stride} AS days_ago,
             30 + (g * 37) % 211 AS minutes,
             ((( (now() AT TIME ZONE ${lit(TIME_ZONE)})::date - (1 + k * ${stride} + v % ${stride}))
                + time '08:00' + ((v * 7 + k * 3) % 12) * interval '1 hour')::timestamp AT TIME ZONE ${lit(TIME_ZONE)}) AS started_at
        FROM generate_series(0, ${L - 1}) g, LATERAL (SELECT g % ${V} AS v, g / ${V} AS k) vk`);
    await c.query(`
      INSERT INTO service_log (community_id, volunteer_id, partner_id, started_at, ended_at, minutes, description, status,
                               verified_by_id, verified_at, created_at)
      SELECT pg_temp.uid('community', c), pg_temp.uid('user', ${C} + v), pg_temp.uid('partner', p),
             started_at, started_at + minutes * interval '1 minute', minutes, ${pick(W.SERVICE_DESCRIPTIONS, 'g / 7')},
             status, CASE WHEN status <> 'PENDING' THEN pg_temp.uid('user', c) END,
             CASE WHEN status <> 'PENDING' THEN least(created_at + interval '1 day', now()) END, created_at
        FROM (SELECT *, CASE WHEN g % 10 = 0 THEN 'REJECTED' WHEN g % 10 IN (1, 2) OR days_ago <= 3 THEN 'PENDING' ELSE 'VERIFIED' END AS status,
                     least(started_at + minutes * interval '1 minute' + interval '2 hours', now()) AS created_at
                FROM bench_log) x`);
    await c.query(`
      INSERT INTO status_change (object_type, object_id, community_id, from_status, to_status, at, by_user_id, note)
      SELECT 'SERVICE_LOG', id, community_id, NULL, 'PENDING', created_at, volunteer_id, NULL FROM service_log
      UNION ALL
      SELECT 'SERVICE_LOG', id, community_id, 'PENDING', status, verified_at, verified_by_id, NULL FROM service_log WHERE status <> 'PENDING'`);
    await restore();
    if (rollups) {
      await c.query(`ALTER TABLE service_log ENABLE TRIGGER service_hours_rollup_insert`);
      await fillRollups(c);
    }
  }
}
