import type { Client } from 'pg';
import { DateTime } from 'luxon';
import { occurrencesBetween } from '../src/common/slots';
import type { WeeklySlot } from '../src/communities/room.entity';
import { TIME_ZONE, type Facts } from './generate';
import { gql, load, percentiles, sample, type GqlRequest, type LoadResult, type Sample } from './load';
import { bookingsCursorQuery, bookingsPageQuery, NAMING, nestedQuery, reviewQueueQuery, roomWeekQuery, type PeerNaming } from './peer';
import { cpuMs, RssSampler, type ChildServer } from './server';

export interface TargetCheck {
  /** The DESIGN.md target, in its words. */
  target: string;
  measured: string;
  /** null: not measured in this run. */
  met: boolean | null;
  /** Correctness targets fail the run when missed; performance targets are reported only. */
  correctness?: boolean;
  /** Why this run reports the figure without judging it (a target the issue sets for another size of data). */
  notJudged?: string;
}

export interface ScenarioResult {
  name: string;
  title: string;
  status: 'ok' | 'not available yet' | 'failed';
  reason?: string;
  /** Sequential requests: latency without queueing, SQL statements per request. */
  sample?: Sample;
  /** Closed-loop load on our server. */
  load?: LoadResult;
  /** Peak RSS of each server process during the load, MiB. */
  rssMb?: Record<string, number>;
  details?: Record<string, unknown>;
  targets?: TargetCheck[];
}

export interface Tokens {
  admin: string;
  secretary: string;
  owner: string;
}

export interface BenchContext {
  facts: Facts;
  db: Client;
  app: ChildServer;
  /** The second server process, started on first use. */
  secondApp(): Promise<ChildServer>;
  /** Our server on Node 24 and both PostGraphiles, started on first use; rejects when one cannot start. */
  peers(): Promise<Peers>;
  tokens: Tokens;
  durationS: number;
  connections: number;
  /** Sequential requests per scenario for the statement count and unloaded latency. */
  sampleN: number;
  log(msg: string): void;
}

export interface Scenario {
  name: string;
  title: string;
  /** The tables the scenario needs; missing ones mean its domain is not merged yet. */
  needs: (keyof Facts['domains'])[];
  run(ctx: BenchContext): Promise<Omit<ScenarioResult, 'name' | 'title' | 'status'> & { status?: ScenarioResult['status'] }>;
}

/** A GraphQL answer that names an unknown field: the domain's API is not merged yet. */
const NOT_IN_SCHEMA = /GRAPHQL_VALIDATION_FAILED|Cannot query field|Unknown argument|Unknown type/;

const ms = (x: number) => `${x.toFixed(x < 100 ? 1 : 0)} ms`;

/** Sample (sequential) then load (concurrent) one set of requests on our server, sampling its RSS. */
async function measure(ctx: BenchContext, requests: GqlRequest[], server = ctx.app) {
  const s = await sample(server.url, requests, ctx.sampleN);
  if (s.error) return { sample: s, error: s.error };
  const { load: l, rssMb } = await loadWithStats(server, requests, ctx);
  return { sample: s, load: l, rssMb, error: null };
}

/** The load, with the server's peak RSS and its CPU time per request. */
async function loadWithStats(server: ChildServer, requests: GqlRequest[], ctx: BenchContext) {
  const rss = new RssSampler([server]).start();
  const cpu0 = cpuMs(server.pid);
  const l = await load(server.url, requests, ctx.connections, ctx.durationS);
  const cpu1 = cpuMs(server.pid);
  if (cpu0 !== null && cpu1 !== null && l.requests) l.serverCpuMsPerRequest = Math.round(((cpu1 - cpu0) / l.requests) * 100) / 100;
  return { load: l, rssMb: rss.stop() };
}

function failedOrMissing(error: string): { status: ScenarioResult['status']; reason: string } {
  return NOT_IN_SCHEMA.test(error) ? { status: 'not available yet', reason: error } : { status: 'failed', reason: error };
}

async function ids(db: Client, sql: string, params: unknown[] = []): Promise<string[]> {
  return (await db.query<{ id: string }>(sql, params)).rows.map((r) => r.id);
}

const NESTED_QUERY = /* GraphQL */ `
  query NestedDemand($communityId: ID!) {
    demandItems(filter: { communityId: $communityId }, first: 20) {
      edges {
        node {
          id title category quantity unit urgency status matchedQuantity remainingQuantity createdAt
          community { id name district }
          matches {
            id quantity origin status createdAt
            partner { id name category }
            offer { id title quantity remainingQuantity status }
          }
        }
      }
    }
  }`;

/** The servers compared with each other, started on first use (a server that cannot start fails the scenario). */
export interface Peers {
  /** Our server on Node 24, like both PostGraphiles. */
  app24: ChildServer;
  pg5: ChildServer;
  pg4: ChildServer;
  labels: Record<VersusKey, string>;
}

export type VersusKey = 'ours24' | 'ours' | 'pg5' | 'pg4';
export const VERSUS_KEYS: VersusKey[] = ['ours24', 'ours', 'pg5', 'pg4'];

/** One server's side of a comparison. */
export interface VersusRun {
  key: VersusKey;
  label: string;
  sample: Sample;
  load: LoadResult;
  rssMb: number | null;
  /** req/s of each alternating round. */
  rounds: number[];
}

export interface Versus {
  /** What was compared, in a few words (for the chart). */
  what: string;
  servers: VersusRun[];
  /** ours on Node 24 / the peer, ours on the machine's Node / the peer (req/s). */
  ratios: { pg5: number; pg4: number; pg5OursMachineNode: number; pg4OursMachineNode: number };
  /** Requests whose rows were compared (all of them) and the rows they held. */
  rowsCompared: { requests: number; rows: number };
  /** Servers left out of this comparison, and why (only PostGraphile 4, the second row, may be). */
  left?: { key: VersusKey; label: string; reason: string }[];
}

/** PostGraphile 4 is the second row: when it cannot answer (an OFFSET page over 10M rows at scale 10 ran for minutes), it is left out, not the comparison. */
const OPTIONAL: VersusKey[] = ['pg4'];
/** The longest a request of an optional server is waited for while its rows are compared. */
const OPTIONAL_TIMEOUT_MS = 20_000;
const unanswered = (err: Error) => (err.name === 'TimeoutError' ? `no answer within ${OPTIONAL_TIMEOUT_MS / 1000} s` : err.message);

/**
 * A request abandoned after OPTIONAL_TIMEOUT_MS leaves its statement running in PostgreSQL (the
 * peer does not cancel it), where it would take a core from the servers measured next: cancelled.
 */
async function cancelAbandoned(db: Client, olderThanMs = OPTIONAL_TIMEOUT_MS): Promise<void> {
  await db.query(
    `SELECT pg_cancel_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND now() - query_start >= $1::interval`,
    [`${olderThanMs / 1000} seconds`],
  );
}

const round2 = (x: number) => Math.round(x * 100) / 100;
type Rows = (data: any) => unknown[];

/**
 * Our server (on Node 24 and on the machine's Node) against PostGraphile 5 and 4 (both on Node 24)
 * serving the same requests: first every request's rows are compared (same rows, same order, or
 * the scenario fails), then each server is sampled, then loaded in turn, `rounds` times (each
 * round beginning with the next server), so that drift in the shared machine's speed falls on all
 * of them alike.
 */
async function versusPeers(
  ctx: BenchContext,
  o: {
    what: string;
    ours: GqlRequest[];
    /** Each peer's requests; null when the scenario could not even form them (an optional peer, left out). */
    theirs: (n: PeerNaming) => GqlRequest[] | null;
    rowsOurs: Rows;
    rowsTheirs: (n: PeerNaming) => Rows;
    left?: { key: VersusKey; reason: string }[];
  },
): Promise<{ versus: Versus } | { failure: string }> {
  const peers = await ctx.peers();
  const left: NonNullable<Versus['left']> = (o.left ?? []).map((l) => ({ ...l, label: peers.labels[l.key] }));
  const leave = (key: VersusKey, reason: string) => left.push({ key, label: peers.labels[key], reason });
  const candidates: { key: VersusKey; server: ChildServer; requests: GqlRequest[] | null; rows: Rows }[] = [
    { key: 'ours24', server: peers.app24, requests: o.ours, rows: o.rowsOurs },
    { key: 'ours', server: ctx.app, requests: o.ours, rows: o.rowsOurs },
    { key: 'pg5', server: peers.pg5, requests: o.theirs(NAMING.pg5), rows: o.rowsTheirs(NAMING.pg5) },
    { key: 'pg4', server: peers.pg4, requests: o.theirs(NAMING.pg4), rows: o.rowsTheirs(NAMING.pg4) },
  ];
  let sides = candidates.filter((c): c is typeof c & { requests: GqlRequest[] } => !!c.requests && !left.some((l) => l.key === c.key));
  if (sides.length < 3) return { failure: `cannot compare: ${left.map((l) => `${l.label}: ${l.reason}`).join('; ')}` };
  let rows = 0;
  for (let i = 0; i < o.ours.length; i++) {
    const answers: { key: VersusKey; json: string }[] = [];
    for (const side of sides) {
      const optional = OPTIONAL.includes(side.key);
      const res = await gql(side.server.url, side.requests[i], optional ? OPTIONAL_TIMEOUT_MS : undefined).catch((err: Error) => {
        if (!optional) throw err;
        return { errors: [{ message: unanswered(err) }], data: null, status: 0 };
      });
      if (res.errors.length || !res.data) {
        const reason = res.errors[0]?.message ?? `HTTP ${res.status}`;
        if (!optional) return { failure: `${peers.labels[side.key]}: ${reason}` };
        leave(side.key, reason);
        await cancelAbandoned(ctx.db);
        continue;
      }
      const got = side.rows(res.data);
      // Rows are the arrays; totals and page flags beside them are compared but not counted.
      if (side.key === 'ours') rows += got.filter(Array.isArray).length;
      answers.push({ key: side.key, json: JSON.stringify(got) });
    }
    sides = sides.filter((s) => !left.some((l) => l.key === s.key));
    const differs = answers.find((a) => a.json !== answers[0].json);
    if (differs) {
      return {
        failure: `rows differ for request ${i + 1} (${JSON.stringify(o.ours[i].variables)}): ${peers.labels.ours24} ${answers[0].json.slice(0, 300)}; ${peers.labels[differs.key]} ${differs.json.slice(0, 300)}`,
      };
    }
  }
  // Equal empty answers would prove nothing.
  if (!rows) return { failure: 'no rows to compare: every request answered an empty list' };
  const samples: Sample[] = [];
  for (const side of [...sides]) {
    const s = await sample(side.server.url, side.requests, ctx.sampleN);
    if (s.error && OPTIONAL.includes(side.key)) {
      leave(side.key, s.error);
      sides = sides.filter((x) => x !== side);
      continue;
    }
    samples.push(s);
  }
  const failed = samples.findIndex((s) => s.error);
  if (failed >= 0) return { failure: `${peers.labels[sides[failed].key]}: ${samples[failed].error}` };
  const rounds = ctx.durationS < 5 ? 1 : 3;
  // One unmeasured load of each server first (up to 3 s): every connection of its pool opened and
  // its statements prepared, its compiled code warm, as in a server that has served a while. Until
  // session 16 the first round measured that start on whichever server loaded first.
  for (const side of sides) {
    await load(side.server.url, side.requests, ctx.connections, Math.min(3, ctx.durationS));
    await cancelAbandoned(ctx.db, 0);
  }
  const loads: Awaited<ReturnType<typeof loadWithStats>>[][] = sides.map(() => []);
  for (let r = 0; r < rounds; r++) {
    // Each round begins with another server: the first load after a pause (or after another
    // scenario) meets colder caches, and that should not fall on one server every time.
    for (let i = 0; i < sides.length; i++) {
      const k = (i + r) % sides.length;
      loads[k].push(await loadWithStats(sides[k].server, sides[k].requests, ctx));
      // Statements a server still runs for requests the load has stopped waiting for (PostGraphile 4's
      // deep `offset` pages take seconds each) would run on beside the next server's load.
      await cancelAbandoned(ctx.db, 0);
    }
  }
  const servers: VersusRun[] = sides.map((side, k) => ({
    key: side.key,
    label: peers.labels[side.key],
    sample: samples[k],
    load: combineLoads(loads[k].map((l) => l.load)),
    rssMb: Math.max(...loads[k].map((l) => l.rssMb[side.server.name] ?? 0)) || null,
    rounds: loads[k].map((l) => l.load.rps),
  }));
  // A server left out has no ratio (NaN, written as null in results.json).
  const rps = (key: VersusKey) => servers.find((s) => s.key === key)?.load.rps ?? NaN;
  return {
    versus: {
      what: o.what,
      servers,
      ratios: {
        pg5: round2(rps('ours24') / rps('pg5')),
        pg4: round2(rps('ours24') / rps('pg4')),
        pg5OursMachineNode: round2(rps('ours') / rps('pg5')),
        pg4OursMachineNode: round2(rps('ours') / rps('pg4')),
      },
      rowsCompared: { requests: o.ours.length, rows },
      ...(left.length ? { left } : {}),
    },
  };
}

/** The scenario's own row (ours on the machine's Node) from a comparison. */
function oursOf(v: Versus) {
  const ours = v.servers.find((s) => s.key === 'ours')!;
  return { sample: ours.sample, load: ours.load, rssMb: ours.rssMb === null ? undefined : { app: ours.rssMb } };
}

/** One line: each server's req/s and the ratios. */
function versusLine(v: Versus): string {
  const by = (k: VersusKey) => v.servers.find((s) => s.key === k)!;
  const pg4 = v.servers.find((s) => s.key === 'pg4');
  const pg4Left = v.left?.find((l) => l.key === 'pg4');
  const cpu = (k: VersusKey) => v.servers.find((s) => s.key === k)?.load.serverCpuMsPerRequest ?? '?';
  const second = pg4
    ? `${pg4.label} ${pg4.load.rps} (${Number.isFinite(v.ratios.pg4) ? `x${v.ratios.pg4}` : 'no answer within the load'})`
    : `${pg4Left?.label ?? 'PostGraphile 4'} left out (${pg4Left?.reason ?? 'not run'})`;
  return (
    `${by('ours24').load.rps} vs ${by('pg5').load.rps} req/s of ${by('pg5').label} (x${v.ratios.pg5}, both on Node 24; rounds ${by('ours24').rounds.join('/')} vs ${by('pg5').rounds.join('/')}); ` +
    `${second}; ours on ${by('ours').label.replace(/^ours, /, '')} ${by('ours').load.rps} (x${v.ratios.pg5OursMachineNode} vs PostGraphile 5); ` +
    `server CPU ${cpu('ours24')} vs ${cpu('pg5')} vs ${cpu('pg4')} ms per request; same rows in ${v.rowsCompared.requests} requests (${v.rowsCompared.rows} rows)`
  );
}

function versusTarget(what: string, v: Versus): TargetCheck {
  // The req/s themselves, not the ratio rounded to two places (570.4 vs 571.0 is x1.00 and not met).
  const rps = (k: VersusKey) => v.servers.find((s) => s.key === k)!.load.rps;
  return { target: `${what}: throughput >= PostGraphile`, measured: versusLine(v), met: rps('ours24') >= rps('pg5') };
}

interface NestedOurs {
  demandItems: { edges: { node: { id: string; matches: { id: string }[] } }[] };
}

const nestedRead: Scenario = {
  name: 'nested-read',
  title: 'Nested read: 20 demand items with matches, partners, offers, community',
  needs: ['demand'],
  async run(ctx) {
    // Ten communities in turn, the same for every server; read as the admin, who sees every match
    // (PostGraphile has no row rules; a partner's owner sees only approved claims of others).
    const communities = await ids(ctx.db, `SELECT id FROM community ORDER BY created_at, id LIMIT 10`);
    const ours = communities.map((communityId) => ({ query: NESTED_QUERY, variables: { communityId }, token: ctx.tokens.admin }));
    const probe = await sample(ctx.app.url, ours, Math.min(ctx.sampleN, 10));
    if (probe.error) return { ...failedOrMissing(probe.error), sample: probe };
    const v = await versusPeers(ctx, {
      what: 'nested read',
      ours,
      theirs: (n) => communities.map((communityId) => ({ query: nestedQuery(n), variables: { communityId } })),
      // The same items in the same order with the same matches.
      rowsOurs: (d: NestedOurs) => d.demandItems.edges.map((e) => [e.node.id, e.node.matches.map((m) => m.id)]),
      rowsTheirs: (n) => (d: { demandItems: { edges: { node: Record<string, unknown> }[] } }) =>
        d.demandItems.edges.map(({ node: x }) => [x[n.id], (x.demandMatchesByCommunityIdAndDemandId as { nodes: Record<string, unknown>[] }).nodes.map((m) => m[n.id])]),
    });
    if ('failure' in v) return { status: 'failed', reason: v.failure, sample: probe };
    const mine = oursOf(v.versus);
    return { ...mine, targets: [statementsTarget(mine.sample), versusTarget('nested read', v.versus)], details: { versus: v.versus } };
  },
};

function statementsTarget(s: Sample): TargetCheck {
  const statements = s.sqlStatements?.max ?? NaN;
  return { target: 'nested read: SQL statements per request <= 5', measured: `${statements}`, met: statements <= 5 };
}

/** Several loads of one server as one: requests over time, CPU per request weighted by requests, the median round's latencies. */
function combineLoads(loads: LoadResult[]): LoadResult {
  const requests = loads.reduce((n, l) => n + l.requests, 0);
  const durationS = loads.reduce((n, l) => n + l.durationS, 0);
  const byRps = [...loads].sort((x, y) => x.rps - y.rps);
  const cpu = loads.every((l) => l.serverCpuMsPerRequest !== undefined)
    ? Math.round((loads.reduce((n, l) => n + l.serverCpuMsPerRequest! * l.requests, 0) / requests) * 100) / 100
    : undefined;
  return {
    connections: loads[0].connections,
    durationS,
    requests,
    rps: Math.round((requests / durationS) * 10) / 10,
    latency: byRps[Math.floor(byRps.length / 2)].latency,
    non2xx: loads.reduce((n, l) => n + l.non2xx, 0),
    errors: loads.reduce((n, l) => n + l.errors, 0),
    timeouts: loads.reduce((n, l) => n + l.timeouts, 0),
    serverCpuMsPerRequest: cpu,
  };
}

const reviewQueue: Scenario = {
  name: 'review-queue',
  title: "reviewQueue: a secretary's first page of PENDING_REVIEW matches (and PostGraphile's filtered, ordered connection)",
  needs: ['demand'],
  async run(ctx) {
    const query = /* GraphQL */ `
      query Queue($communityId: ID!) {
        reviewQueue(communityId: $communityId, first: 20) {
          totalCount
          pageInfo { hasNextPage endCursor }
          edges { node { id quantity origin status note createdAt
            demand { id title urgency quantity remainingQuantity }
            partner { id name category } offer { id title } } }
        }
      }`;
    const ours = [{ query, variables: { communityId: ctx.facts.communityId }, token: ctx.tokens.secretary }];
    const probe = await sample(ctx.app.url, ours, Math.min(ctx.sampleN, 10));
    if (probe.error) return { ...failedOrMissing(probe.error), sample: probe };
    type Page = { totalCount: number; pageInfo: { hasNextPage: boolean } };
    // The same matches in the same order, each with its demand, partner and offer, and the same count.
    const v = await versusPeers(ctx, {
      what: 'review queue',
      ours,
      theirs: (n) => [{ query: reviewQueueQuery(n), variables: { communityId: ctx.facts.communityId } }],
      rowsOurs: (d: { reviewQueue: Page & { edges: { node: { id: string; demand: { id: string }; partner: { id: string }; offer: { id: string } | null } }[] } }) => [
        d.reviewQueue.totalCount,
        d.reviewQueue.pageInfo.hasNextPage,
        ...d.reviewQueue.edges.map((e) => [e.node.id, e.node.demand.id, e.node.partner.id, e.node.offer?.id ?? null]),
      ],
      rowsTheirs: (n) => (d: { demandMatches: Page & { edges: { node: Record<string, Record<string, string> | null> }[] } }) => [
        d.demandMatches.totalCount,
        d.demandMatches.pageInfo.hasNextPage,
        ...d.demandMatches.edges.map(({ node: x }) => [x[n.id], x.communityDemand![n.id], x.partner![n.id], x.offer?.[n.id] ?? null]),
      ],
    });
    if ('failure' in v) return { status: 'failed', reason: v.failure, sample: probe };
    return { ...oursOf(v.versus), targets: [versusTarget('review queue', v.versus)], details: { versus: v.versus } };
  },
};

/** Midnight tomorrow in the communities' zone, and the instant a week later. */
function nextWeek(): { from: string; to: string } {
  const from = DateTime.now().setZone(TIME_ZONE).plus({ days: 1 }).startOf('day');
  return { from: from.toUTC().toISO()!, to: from.plus({ days: 7 }).toUTC().toISO()! };
}

const roomAvailability: Scenario = {
  name: 'room-availability',
  title: 'Room.availability for the next week (busy rooms)',
  needs: [],
  async run(ctx) {
    const query = /* GraphQL */ `
      query Availability($id: ID!, $from: DateTime!, $to: DateTime!) {
        room(id: $id) { id name availability(from: $from, to: $to) { start end available } }
      }`;
    const rooms = await ids(ctx.db, `SELECT id FROM room WHERE id NOT IN ($1, $2) ORDER BY created_at, id LIMIT 20`, [
      ctx.facts.contentionRoomId,
      ctx.facts.contractRoomId,
    ]);
    const week = nextWeek();
    const m = await measure(ctx, rooms.map((id) => ({ query, variables: { id, ...week } })));
    if (m.error) return { ...failedOrMissing(m.error), sample: m.sample };
    return { sample: m.sample, load: m.load, rssMb: m.rssMb };
  },
};

const roomWeekBookings: Scenario = {
  name: 'room-week-bookings',
  title: "a room's bookings overlapping next week (busy rooms), as a filtered connection",
  needs: ['spaces'],
  async run(ctx) {
    const query = /* GraphQL */ `
      query RoomWeek($filter: BookingFilter!) {
        bookings(filter: $filter, first: 100) {
          edges { node { id start end purpose status partner { id name } } }
        }
      }`;
    const rooms = await ids(ctx.db, `SELECT id FROM room WHERE id NOT IN ($1, $2) ORDER BY created_at, id LIMIT 20`, [
      ctx.facts.contentionRoomId,
      ctx.facts.contractRoomId,
    ]);
    const week = nextWeek();
    const ours = rooms.map((roomId) => ({ query, variables: { filter: { roomId, ...week } }, token: ctx.tokens.admin }));
    const probe = await sample(ctx.app.url, ours, Math.min(ctx.sampleN, 10));
    if (probe.error) return { ...failedOrMissing(probe.error), sample: probe };
    // The same bookings (every status) in the same order, each with its partner.
    const v = await versusPeers(ctx, {
      what: "a room's week of bookings",
      ours,
      theirs: (n) => rooms.map((roomId) => ({ query: roomWeekQuery(n), variables: { roomId, ...week } })),
      rowsOurs: (d: { bookings: { edges: { node: { id: string; partner: { id: string } | null } }[] } }) =>
        d.bookings.edges.map((e) => [e.node.id, e.node.partner?.id ?? null]),
      rowsTheirs: (n) => (d: { bookings: { edges: { node: Record<string, Record<string, string> | null> }[] } }) => d.bookings.edges.map(({ node: x }) => [x[n.id], x.partner?.[n.id] ?? null]),
    });
    if ('failure' in v) return { status: 'failed', reason: v.failure, sample: probe };
    return { ...oursOf(v.versus), targets: [versusTarget("a room's week of bookings", v.versus)], details: { versus: v.versus } };
  },
};

const suggestions: Scenario = {
  name: 'suggestions',
  title: 'DemandItem.suggestions(first: 5) for open items, 100k offers in the pool',
  needs: ['demand'],
  async run(ctx) {
    const query = /* GraphQL */ `
      query Suggest($id: ID!) {
        demandItem(id: $id) { id title suggestions(first: 5) { score reasons offer { id title remainingQuantity } partner { id name } } }
      }`;
    // Fifty open items across every community and category.
    const items = await ids(
      ctx.db,
      `SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY community_id ORDER BY created_at DESC) AS n FROM demand_item WHERE status = 'OPEN') x
        WHERE n <= 2 LIMIT 50`,
    );
    const requests = items.map((id) => ({ query, variables: { id }, token: ctx.tokens.owner }));
    // Each item once first, timed apart: right after generating scale 10 (37 GB, 23.5 GB of RAM) the
    // pages of 50 communities' partners, offers and figures are on disk, and a server that has run
    // a while holds them. The target is checked warm; the first pass is reported beside it.
    const cold = await sample(ctx.app.url, requests, requests.length, { warmUpMs: 0 });
    const m = await measure(ctx, requests);
    if (m.error) return { ...failedOrMissing(m.error), sample: m.sample };
    const p95 = m.sample.latency.p95;
    return {
      sample: m.sample,
      load: m.load,
      rssMb: m.rssMb,
      targets: [
        {
          target: 'suggestions for one demand item, 100k offers: < 50 ms p95',
          measured: `${ms(p95)} p95 (sequential; the first pass over the items ${ms(cold.latency.p95)} p95)`,
          met: p95 < 50,
        },
      ],
      details: { offers: ctx.facts.rowCounts.supply_offer, firstPass: { p50: cold.latency.p50, p95: cold.latency.p95, max: cold.latency.max } },
    };
  },
};

const SUMMARY_QUERY = /* GraphQL */ `
  query Summary($input: ServiceHoursSummaryInput!) {
    serviceHoursSummary(input: $input) { key label verifiedMinutes pendingMinutes logCount }
  }`;

/**
 * Issue #17 item 3: < 20 ms p95 sequentially and >= 300 req/s under the load's connections.
 * `logs`: the summary is over every log, so its answer grows with them. Item 3 sets both targets
 * "over the whole period of 1M logs", and item 4 keeps only the p95 ("summary p95") at every
 * size: with ten times the logs the throughput is reported, not judged.
 */
function summaryTargets(what: string, m: { sample: Sample; load: { rps: number } }, logs?: number): TargetCheck[] {
  const p95 = m.sample.latency.p95;
  const larger = logs !== undefined && logs > 1_500_000;
  return [
    { target: `${what}: < 20 ms p95 (sequential)`, measured: `${ms(p95)} p95 (${ms(m.sample.decoded.p95)} with the client's decoding and parsing)`, met: p95 < 20 },
    {
      target: `${what}: >= 300 req/s`,
      measured: `${m.load.rps} req/s`,
      met: m.load.rps >= 300,
      ...(larger ? { notJudged: `issue #17 sets this for 1M logs and keeps only the p95 at every size; here ${(logs / 1e6).toFixed(0)}M logs` } : {}),
    },
  ];
}

/**
 * Per grouping: buckets, bytes of the answer (UTF-8; characters before session 12), bytes as sent (gzip when large, from session 23) and sequential p50 / p95 (20 requests each), and the
 * same of answers computed afresh: 15 questions that each end a few seconds earlier than the last,
 * so that none is one the server keeps (src/service-hours/summary-cache.ts).
 */
async function summaryByGrouping(ctx: BenchContext, groupings: string[], requests: GqlRequest[]) {
  const out: Record<string, { buckets: number; bytes: number; sentBytes: number; p50: number; p95: number; decoded: { p50: number; p95: number }; computed: { p50: number; p95: number } }> = {};
  for (const [i, groupBy] of groupings.entries()) {
    const first = await gql<{ serviceHoursSummary: unknown[] }>(ctx.app.url, requests[i]);
    const s = await sample(ctx.app.url, [requests[i]], 20);
    // As the sample's answers came: gzip-compressed when the answer is large and kept (src/ops/apollo-express.ts).
    const sent = await gql(ctx.app.url, requests[i]);
    const input = (requests[i].variables as { input: { to: string } }).input;
    const fresh: number[] = [];
    for (let k = 1; k <= 15; k++) {
      const to = new Date(Date.parse(input.to) - k * 7_001).toISOString();
      fresh.push((await gql(ctx.app.url, { ...requests[i], variables: { input: { ...input, to } } })).ms);
    }
    const computed = percentiles(fresh);
    out[groupBy] = {
      buckets: first.data?.serviceHoursSummary.length ?? 0,
      bytes: Buffer.byteLength(JSON.stringify(first.data)),
      sentBytes: sent.receivedBytes,
      p50: s.latency.p50,
      p95: s.latency.p95,
      decoded: { p50: s.decoded.p50, p95: s.decoded.p95 },
      computed: { p50: computed.p50, p95: computed.p95 },
    };
  }
  return out;
}

/** A summary scenario: the year of logs by each grouping in turn, as one viewer, over every community or one. */
function summaryScenario(o: { name: string; title: string; groupings: string[]; oneCommunity: boolean; what: (ctx: BenchContext) => string }): Scenario {
  return {
    name: o.name,
    title: o.title,
    needs: ['serviceHours'],
    async run(ctx) {
      const { logsFrom: from, logsTo: to, communityId } = ctx.facts;
      const scope = o.oneCommunity ? { communityId } : {};
      const token = o.oneCommunity ? ctx.tokens.secretary : ctx.tokens.admin;
      const requests = o.groupings.map((groupBy) => ({ query: SUMMARY_QUERY, variables: { input: { from, to, groupBy, ...scope } }, token }));
      const m = await measure(ctx, requests);
      if (m.error !== null) return { ...failedOrMissing(m.error), sample: m.sample };
      return {
        sample: m.sample,
        load: m.load,
        rssMb: m.rssMb,
        targets: summaryTargets(o.what(ctx), m, o.oneCommunity ? undefined : ctx.facts.rowCounts.service_log),
        // Each grouping alone: the answer's size (buckets grow with partners and communities) against its latency.
        details: { byGrouping: await summaryByGrouping(ctx, o.groupings, requests) },
      };
    },
  };
}

const serviceHoursSummary = summaryScenario({
  name: 'service-hours-summary',
  title: 'serviceHoursSummary over every log of the whole period (a year): by partner, community and month, as the admin (every community); repeated questions, answered from what the server keeps until a write (details: computed afresh too)',
  groupings: ['PARTNER', 'COMMUNITY', 'MONTH'],
  oneCommunity: false,
  what: (ctx) => `serviceHoursSummary over ${ctx.facts.rowCounts.service_log ?? 0} logs`,
});

const serviceHoursSummaryOne = summaryScenario({
  name: 'service-hours-summary-community',
  title: "serviceHoursSummary of one community's year, as its secretary: by partner, volunteer and month",
  groupings: ['PARTNER', 'VOLUNTEER', 'MONTH'],
  oneCommunity: true,
  what: () => "one community's summary",
});

const publicFigures: Scenario = {
  name: 'public-figures',
  title: "publicBoard figures of a community (every figure over all its history), no sign-in",
  needs: ['serviceHours'],
  async run(ctx) {
    const query = /* GraphQL */ `
      query Figures($c: ID!) {
        publicBoard(communityId: $c) {
          figures { requestsReceived requestsResolved medianDaysToResolve residentSatisfaction fulfilledMatches verifiedServiceHours publicBenefitSessionsHeld activePartners }
        }
      }`;
    const m = await measure(ctx, [{ query, variables: { c: ctx.facts.communityId } }]);
    if (m.error !== null) return { ...failedOrMissing(m.error), sample: m.sample };
    return { sample: m.sample, load: m.load, rssMb: m.rssMb, targets: summaryTargets('public board figures', m) };
  },
};

/** A list's first page against a page near its end, reached by a cursor the server would have issued. */
function pagingScenario(o: {
  name: string;
  title: string;
  needs: Scenario['needs'];
  table: string;
  field: string;
  query: string;
  filter: Record<string, unknown> | null;
  /** SQL of the row's sort-key values in the list's order, as the server's cursor encodes them. */
  cursorSql: string;
  orderSql: string;
  /** The deep pages served by the PostGraphiles too: each peer's cursor of the same row, reached once with `offset` (untimed). */
  peers?: { what: string; rowsOurs: Rows; rowsTheirs: (n: PeerNaming) => Rows };
}): Scenario {
  return {
    name: o.name,
    title: o.title,
    needs: o.needs,
    async run(ctx) {
      const total = Number((await ctx.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${o.table}`)).rows[0].n);
      const first: GqlRequest = { query: o.query, variables: { filter: o.filter, after: null }, token: ctx.tokens.admin };
      const probe = await gql<Record<string, { edges: { cursor: string }[] }>>(ctx.app.url, first);
      if (probe.errors.length) return failedOrMissing(`${probe.errors[0].extensions?.code ?? 'ERROR'}: ${probe.errors[0].message}`);
      // Rows at 90% to 99% of the list: cursors in the server's own format (base64url JSON of the sort keys).
      const firstCursor = probe.data![o.field].edges[0]?.cursor;
      const offsets = [0.9, 0.95, 0.99].map((f) => Math.floor(total * f));
      const deep: GqlRequest[] = [];
      for (const offset of offsets) {
        const { rows } = await ctx.db.query<{ keys: (string | number)[]; next: string | null }>(
          `SELECT ${o.cursorSql} AS keys, lead(id) OVER (${o.orderSql}) AS next FROM ${o.table} ${o.orderSql} OFFSET $1 LIMIT 1`,
          [offset],
        );
        if (!rows[0]) continue;
        const after = Buffer.from(JSON.stringify(rows[0].keys)).toString('base64url');
        const request = { ...first, variables: { filter: o.filter, after } };
        // The page must start right after that row: the cursor and the order are the server's.
        const check = await gql<Record<string, { edges: { node: { id: string } }[] }>>(ctx.app.url, request);
        const got = check.data?.[o.field].edges[0]?.node.id ?? check.errors[0]?.message;
        if (got !== rows[0].next) return { status: 'failed', reason: `the page after row ${offset} starts at ${got}, expected ${rows[0].next}` };
        deep.push(request);
      }
      if (firstCursor) {
        const shape = JSON.parse(Buffer.from(firstCursor, 'base64url').toString('utf8'));
        const ours = JSON.parse(Buffer.from(deep[0].variables!.after as string, 'base64url').toString('utf8'));
        if (!Array.isArray(shape) || shape.length !== ours.length) return { status: 'failed', reason: `unexpected cursor shape ${JSON.stringify(shape)}` };
      }
      const a = await measure(ctx, [first]);
      if (a.error) return { ...failedOrMissing(a.error), sample: a.sample };
      const b = await measure(ctx, deep);
      if (b.error) return { status: 'failed', reason: `deep page: ${b.error}`, sample: b.sample };
      let versus: Versus | undefined;
      if (o.peers) {
        const peers = await ctx.peers();
        // Each peer's own cursor for the same row, found by OFFSET (PostGraphile 4's is a scan of the
        // rows before it: minutes at scale 10, so it is bounded and PostGraphile 4 left out past it).
        const theirs: Record<'pg5' | 'pg4', GqlRequest[] | null> = { pg5: [], pg4: [] };
        const left: { key: VersusKey; reason: string }[] = [];
        for (const key of ['pg5', 'pg4'] as const) {
          const optional = OPTIONAL.includes(key);
          for (const offset of offsets.slice(0, deep.length)) {
            const c = await gql<{ bookings: { edges: { cursor: string }[] } }>(
              peers[key].url,
              { query: bookingsCursorQuery(NAMING[key]), variables: { offset } },
              optional ? OPTIONAL_TIMEOUT_MS : undefined,
            ).catch((err: Error) => ({ data: null, errors: [{ message: unanswered(err) }] }));
            const cursor = c.data?.bookings.edges[0]?.cursor;
            const reason = `no cursor at row ${offset}: ${c.errors[0]?.message ?? 'empty page'}`;
            if (!cursor && !optional) return { status: 'failed', reason: `${peers.labels[key]}: ${reason}` };
            if (!cursor) {
              left.push({ key, reason });
              await cancelAbandoned(ctx.db);
              theirs[key] = null;
              break;
            }
            theirs[key]!.push({ query: bookingsPageQuery(NAMING[key]), variables: { after: cursor } });
          }
        }
        const v = await versusPeers(ctx, {
          what: o.peers.what,
          ours: deep,
          theirs: (n) => (n === NAMING.pg5 ? theirs.pg5 : theirs.pg4),
          rowsOurs: o.peers.rowsOurs,
          rowsTheirs: o.peers.rowsTheirs,
          left,
        });
        if ('failure' in v) return { status: 'failed', reason: v.failure, sample: a.sample };
        versus = v.versus;
      }
      // Under load when both pages answered within the load's duration, else one at a time.
      const loaded = Number.isFinite(a.load!.latency.p50) && Number.isFinite(b.load!.latency.p50);
      const firstP50 = loaded ? a.load!.latency.p50 : a.sample.latency.p50;
      const deepP50 = loaded ? b.load!.latency.p50 : b.sample.latency.p50;
      const ratio = Math.round((deepP50 / firstP50) * 100) / 100;
      return {
        sample: a.sample,
        load: a.load,
        rssMb: a.rssMb,
        details: { rows: total, deepPage: { sample: b.sample, load: b.load, positions: offsets }, deepToFirstP50: ratio, ...(versus ? { versus } : {}) },
        targets: [
          {
            target: `any list over 1M rows, any page: cost independent of position (${o.field})`,
            measured: `first page p50 ${ms(firstP50)}, page at 90-99% p50 ${ms(deepP50)} (x${ratio}${loaded ? '' : ', unloaded'}; ${total} rows)`,
            met: deepP50 <= firstP50 * 1.5 + 2,
          },
          ...(versus ? [versusTarget(versus.what, versus)] : []),
        ],
      };
    },
  };
}

const bookingsPages = pagingScenario({
  name: 'bookings-pages',
  title: 'bookings connection: first page vs a page at 90-99% of every booking (cursor)',
  needs: ['spaces'],
  table: 'booking',
  field: 'bookings',
  query: /* GraphQL */ `
    query Bookings($filter: BookingFilter!, $after: String) {
      bookings(filter: $filter, first: 50, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { cursor node { id start end purpose status room { id name } partner { id name } } }
      }
    }`,
  filter: {},
  cursorSql: `json_build_array(to_char(start_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), id)`,
  orderSql: `ORDER BY start_at, id`,
  // The same 50 bookings in the same order, each with its cursor, room and partner, and whether
  // more follow (until session 20 the peers were asked for `nodes`, without a cursor per booking).
  peers: {
    what: 'bookings page at 90-99%',
    rowsOurs: (d: { bookings: { pageInfo: { hasNextPage: boolean }; edges: { node: { id: string; room: { id: string }; partner: { id: string } | null } }[] } }) => [
      d.bookings.pageInfo.hasNextPage,
      ...d.bookings.edges.map((e) => [e.node.id, e.node.room.id, e.node.partner?.id ?? null]),
    ],
    rowsTheirs: (n) => (d: { bookings: { pageInfo: { hasNextPage: boolean }; edges: { node: Record<string, Record<string, string> | null> }[] } }) => [
      d.bookings.pageInfo.hasNextPage,
      ...d.bookings.edges.map(({ node: x }) => [x[n.id], x.communityRoom![n.id], x.partner?.[n.id] ?? null]),
    ],
  },
});

const serviceLogPages = pagingScenario({
  name: 'service-log-pages',
  title: 'serviceLogs connection: first page vs a page at 90-99% of every log (cursor)',
  needs: ['serviceHours'],
  table: 'service_log',
  field: 'serviceLogs',
  query: /* GraphQL */ `
    query Logs($filter: ServiceLogFilter, $after: String) {
      serviceLogs(filter: $filter, first: 50, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { cursor node { id startedAt endedAt minutes status description volunteer { id displayName } partner { id name } } }
      }
    }`,
  filter: null,
  cursorSql: `json_build_array(to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), id)`,
  orderSql: `ORDER BY started_at DESC, id DESC`,
});

/** The next occurrence of the room's first weekly slot at least two days ahead that nobody has booked. */
async function freeOccurrence(ctx: BenchContext, roomId: string): Promise<Date> {
  const { rows } = await ctx.db.query<{ weekly_slots: WeeklySlot[] }>(`SELECT weekly_slots FROM room WHERE id = $1`, [roomId]);
  const from = new Date(Date.now() + 2 * 86_400_000);
  const occurrences = occurrencesBetween(rows[0].weekly_slots, TIME_ZONE, from, new Date(from.getTime() + 60 * 86_400_000));
  for (const o of occurrences) {
    const taken = await ctx.db.query(`SELECT 1 FROM booking WHERE room_id = $1 AND status = 'CONFIRMED' AND tstzrange(start_at, end_at) && tstzrange($2, $3)`, [
      roomId,
      o.start,
      o.end,
    ]);
    if (!taken.rowCount) return o.start;
  }
  throw new Error('no free occurrence in the next 60 days');
}

/** One race: 200 concurrent bookSlot of one free occurrence, alternating between the two servers. */
async function race(ctx: BenchContext, servers: ChildServer[]) {
  const start = await freeOccurrence(ctx, ctx.facts.contentionRoomId);
  const query = /* GraphQL */ `
    mutation Book($input: BookSlotInput!) { bookSlot(input: $input) { id status start end } }`;
  const input = { roomId: ctx.facts.contentionRoomId, partnerId: ctx.facts.partnerId, start: start.toISOString(), purpose: '公益英语绘本课' };
  const t = performance.now();
  const answers = await Promise.all(
    Array.from({ length: 200 }, (_, i) => gql<{ bookSlot: { status: string } }>(servers[i % 2].url, { query, variables: { input }, token: ctx.tokens.owner })),
  );
  const wallMs = Math.round(performance.now() - t);
  const counts: Record<string, number> = {};
  for (const a of answers) {
    const key = a.data?.bookSlot?.status ?? a.errors[0]?.extensions?.code ?? `HTTP ${a.status}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  const { rows } = await ctx.db.query<{ n: string }>(`SELECT count(*) AS n FROM booking WHERE room_id = $1 AND start_at = $2 AND status = 'CONFIRMED'`, [
    ctx.facts.contentionRoomId,
    start,
  ]);
  const confirmed = counts.CONFIRMED ?? 0;
  const conflict = counts.CONFLICT ?? 0;
  return {
    slot: input.start,
    counts,
    confirmedInDatabase: Number(rows[0].n),
    confirmedByServer: servers.map((_, k) => answers.filter((a, i) => i % 2 === k && a.data?.bookSlot?.status === 'CONFIRMED').length),
    wallMs,
    latency: percentiles(answers.map((a) => a.ms)),
    exact: confirmed === 1 && conflict === 199 && Number(rows[0].n) === 1,
    firstError: answers.find((a) => a.errors.length)?.errors[0]?.message ?? null,
  };
}

const RACES = 3;

const bookSlotContention: Scenario = {
  name: 'book-slot-contention',
  title: `bookSlot contention: 200 concurrent requests for one slot across two server processes (${RACES} races, each on a new slot)`,
  needs: ['spaces'],
  async run(ctx) {
    const servers = [ctx.app, await ctx.secondApp()];
    const rss = new RssSampler(servers).start(50);
    const races = [];
    for (let i = 0; i < RACES; i++) {
      const r = await race(ctx, servers);
      if (!r.counts.CONFIRMED && !r.counts.CONFLICT && r.firstError && NOT_IN_SCHEMA.test(r.firstError)) return failedOrMissing(r.firstError);
      races.push(r);
    }
    const rssMb = rss.stop();
    const summary = races.map((r) => {
      const other = 200 - (r.counts.CONFIRMED ?? 0) - (r.counts.CONFLICT ?? 0);
      return `${r.counts.CONFIRMED ?? 0}/${r.counts.CONFLICT ?? 0}/${other}`;
    });
    return {
      rssMb,
      details: { races: races.map(({ exact: _exact, ...r }) => r) },
      targets: [
        {
          target: '200 concurrent bookSlot on one slot, two processes: exactly 1 CONFIRMED, 199 CONFLICT, 0 other errors',
          measured: `CONFIRMED/CONFLICT/other per race: ${summary.join(', ')}; confirmed rows in the database ${races.map((r) => r.confirmedInDatabase).join('/')}; ${races.map((r) => `${r.wallMs} ms`).join(', ')} for all 200`,
          met: races.every((r) => r.exact),
          correctness: true,
        },
      ],
    };
  },
};

const contractApproval: Scenario = {
  name: 'contract-approval',
  title: 'reviewContract APPROVE of a 52-week contract with 3 weekly slots (156 bookings), single shots',
  needs: ['spaces'],
  async run(ctx) {
    const propose = /* GraphQL */ `
      mutation Propose($input: ProposeContractInput!) { proposeContract(input: $input) { id status } }`;
    const review = /* GraphQL */ `
      mutation Approve($id: ID!) { reviewContract(id: $id, decision: APPROVE, note: "同意") { id status } }`;
    const startsOn = DateTime.now().setZone(TIME_ZONE).plus({ days: 1 });
    const slot = (weekday: string, startTime: string, endTime: string) => ({ weekday, startTime, endTime });
    // Three contracts on disjoint slots of the same free room, approved one after the other.
    const slotSets = [
      ['MONDAY', 'WEDNESDAY', 'FRIDAY'].map((d) => slot(d, '19:00', '21:00')),
      ['TUESDAY', 'THURSDAY', 'SATURDAY'].map((d) => slot(d, '19:00', '21:00')),
      ['MONDAY', 'WEDNESDAY', 'FRIDAY'].map((d) => slot(d, '09:00', '11:00')),
    ];
    // The room is kept free for this scenario: what an earlier run on a reused database approved
    // there (the same slots) goes first, or every occurrence would conflict.
    // No index leads with notification.booking_id (the product never deletes bookings): the first
    // delete scans every notification once, so only when there is something to delete; and the
    // foreign key's check would scan them again for each booking deleted (minutes at scale 10), so
    // the bookings go with it switched off, in the same transaction that deleted the only rows
    // that point at them (notification is the only table that does; booking has no other trigger).
    const room = [ctx.facts.contractRoomId];
    const earlier = await ctx.db.query<{ id: string }>(`SELECT id FROM booking WHERE room_id = $1`, room);
    if (earlier.rows.length) {
      await ctx.db.query('BEGIN');
      await ctx.db.query(`DELETE FROM notification WHERE booking_id = ANY($1::uuid[])`, [earlier.rows.map((r) => r.id)]);
      await ctx.db.query(`SET LOCAL session_replication_role = replica`);
      await ctx.db.query(`DELETE FROM booking WHERE room_id = $1`, room);
      await ctx.db.query(`UPDATE space_contract SET status = 'TERMINATED' WHERE room_id = $1 AND status = 'ACTIVE'`, room);
      await ctx.db.query('COMMIT');
    }
    const shots: { ms: number; sqlStatements: number | null; bookings: number }[] = [];
    for (const weeklySlots of slotSets) {
      const input = {
        partnerId: ctx.facts.partnerId,
        roomId: ctx.facts.contractRoomId,
        title: '周末少儿英语公益课',
        publicBenefitCommitment: '每月为社区儿童提供两次免费英语绘本课，名额向困难家庭倾斜。',
        sessionsPerMonth: 2,
        weeklySlots,
        startsOn: startsOn.toISODate(),
        endsOn: startsOn.plus({ days: 363 }).toISODate(),
      };
      const p = await gql<{ proposeContract: { id: string } }>(ctx.app.url, { query: propose, variables: { input }, token: ctx.tokens.owner });
      if (p.errors.length) return failedOrMissing(`proposeContract: ${p.errors[0].extensions?.code ?? ''} ${p.errors[0].message}`);
      const id = p.data!.proposeContract.id;
      const r = await gql<{ reviewContract: { status: string } }>(ctx.app.url, { query: review, variables: { id }, token: ctx.tokens.secretary });
      if (r.errors.length) return { status: 'failed', reason: `reviewContract: ${r.errors[0].extensions?.code ?? ''} ${r.errors[0].message}` };
      const { rows } = await ctx.db.query<{ n: string }>(`SELECT count(*) AS n FROM booking WHERE contract_id = $1 AND status = 'CONFIRMED'`, [id]);
      shots.push({ ms: Math.round(r.ms * 10) / 10, sqlStatements: r.sqlStatements, bookings: Number(rows[0].n) });
    }
    const sorted = shots.map((s) => s.ms).sort((x, y) => x - y);
    const median = sorted[1];
    const all156 = shots.every((s) => s.bookings === 156);
    return {
      details: { shots },
      targets: [
        {
          target: 'approve a 52-week contract with 3 weekly slots (156 bookings): < 150 ms',
          measured: `median ${ms(median)} of ${shots.map((s) => ms(s.ms)).join(', ')}; bookings ${shots.map((s) => s.bookings).join('/')}`,
          met: median < 150 && all156,
        },
      ],
    };
  },
};

/**
 * A read of the residents' domains (issue #17 item 6) at two page sizes. DESIGN.md: its SQL
 * statements are bounded by the query's depth, never by its page size. `bound` is the worst case
 * of the statements its fields issue, counted in `why` (the list's own statements plus one batch per
 * DataLoader; loaders reached from sections resolved in different ticks may batch more than once,
 * which is why the board's count varies between requests but never past its bound). Both sizes must
 * stay within it while the larger page holds more rows, so one statement per row cannot hide.
 */
interface BoundedRead {
  name: string;
  title: string;
  needs: Scenario['needs'];
  bound: number;
  why: string;
  sizes: [number, number];
  token: keyof Tokens | null;
  query: string;
  /** Variables of the requests taken in turn (without the page size `n`). */
  variables(ctx: BenchContext): Promise<Record<string, unknown>[]>;
  /** Rows of the sized lists in an answer. */
  rows(data: Record<string, unknown>): number;
}

function boundedRead(o: BoundedRead): Scenario {
  return {
    name: o.name,
    title: o.title,
    needs: o.needs,
    async run(ctx) {
      const vars = await o.variables(ctx);
      if (!vars.length) return { status: 'failed', reason: 'no rows to read: is the data set generated with the residents\' domains?' };
      const token = o.token ? ctx.tokens[o.token] : undefined;
      const at = (n: number) => vars.map((v) => ({ query: o.query, variables: { ...v, n }, token }));
      const [small, large] = o.sizes;
      const rowsOf = async (n: number) => {
        const res = await gql(ctx.app.url, at(n)[0]);
        if (res.errors.length || !res.data) throw new Error(`${res.errors[0]?.extensions?.code ?? 'ERROR'}: ${res.errors[0]?.message ?? `HTTP ${res.status}`}`);
        return o.rows(res.data);
      };
      let rowsSmall: number;
      let rowsLarge: number;
      try {
        rowsSmall = await rowsOf(small);
        rowsLarge = await rowsOf(large);
      } catch (error) {
        return failedOrMissing((error as Error).message);
      }
      const a = await sample(ctx.app.url, at(small), ctx.sampleN);
      if (a.error) return { ...failedOrMissing(a.error), sample: a };
      // The larger page also under load: latency and throughput of the read as served.
      const b = await measure(ctx, at(large));
      if (b.error) return { status: 'failed', reason: `first: ${large}: ${b.error}`, sample: b.sample };
      const range = (s: Sample) => (s.sqlStatements ? `${s.sqlStatements.min}-${s.sqlStatements.max}` : 'not reported');
      const maxA = a.sqlStatements?.max ?? Infinity;
      const maxB = b.sample.sqlStatements?.max ?? Infinity;
      return {
        sample: b.sample,
        load: b.load,
        rssMb: b.rssMb,
        details: { bound: o.bound, why: o.why, sizes: o.sizes, rows: [rowsSmall, rowsLarge], smallPage: a },
        targets: [
          {
            target: `${o.name}: SQL statements per request <= ${o.bound} at first: ${small} and first: ${large} (bounded by depth, not page size)`,
            measured: `first: ${small} (${rowsSmall} rows) ${range(a)}; first: ${large} (${rowsLarge} rows) ${range(b.sample)} statements`,
            met: maxA <= o.bound && maxB <= o.bound && rowsLarge > rowsSmall,
            correctness: true,
          },
        ],
      };
    },
  };
}

/** The first `n` communities (the bench's own first), oldest first. */
const communityVariables = (n: number) => async (ctx: BenchContext) =>
  (await ids(ctx.db, `SELECT id FROM community ORDER BY created_at, id LIMIT $1`, [n])).map((communityId) => ({ communityId }));
const edgesOf = (field: string) => (data: Record<string, unknown>) => (data[field] as { edges: unknown[] }).edges.length;

const requestsList = boundedRead({
  name: 'requests-list',
  title: "residentRequests of a community with requester, demand item, rating (admin)",
  needs: ['requests'],
  bound: 6,
  why: 'the viewer (user, secretaryships and memberships in one statement), the page and its totalCount (2), then one batch each: communities, demand items, requesters',
  sizes: [5, 50],
  token: 'admin',
  query: /* GraphQL */ `
    query Requests($communityId: ID!, $n: Int) {
      residentRequests(filter: { communityId: $communityId }, first: $n) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node { id kind title status building anonymousOnBoard createdAt resolvedAt declineReason
          requester { id displayName } demand { id title status } rating { score comment } community { id name } } }
      }
    }`,
  variables: communityVariables(10),
  rows: edgesOf('residentRequests'),
});

const agendasList = boundedRead({
  name: 'agendas-list',
  title: "agendaItems of a community with opinion counts, linked demand items and projects",
  needs: ['agendas'],
  bound: 7,
  why: 'the viewer (1), the page and its totalCount (2), then one batch each: opinion counts, communities, linked demand items, linked projects',
  sizes: [5, 20],
  token: 'admin',
  query: /* GraphQL */ `
    query Agendas($communityId: ID!, $n: Int) {
      agendaItems(communityId: $communityId, first: $n) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node { id title status opinionsCloseAt opinionsOpen support oppose neutral meetingDate attendees outcome
          community { id name } linkedDemands { id title } linkedProjects { id title status } } }
      }
    }`,
  variables: communityVariables(10),
  rows: edgesOf('agendaItems'),
});

const agendaDetail = boundedRead({
  name: 'agenda-detail',
  title: 'agendaItem with a page of its opinions, my opinion, history, linked demand items and projects (a resident)',
  needs: ['agendas'],
  bound: 9,
  why: 'the viewer (1), the item, then one batch each: opinion counts, my opinion, opinions page (authors joined), linked demand items, linked projects, history; 9 on a process\'s first request (its locale)',
  sizes: [5, 25],
  token: 'owner',
  query: /* GraphQL */ `
    query Agenda($id: ID!, $n: Int) {
      agendaItem(id: $id) {
        id title status support oppose neutral opinionsOpen myOpinion { id stance }
        opinions(first: $n) { totalCount pageInfo { hasNextPage endCursor } edges { node { id stance text anonymous authorName createdAt } } }
        history { from to at by { id displayName } }
        linkedDemands { id title status } linkedProjects { id title progressPercent }
      }
    }`,
  // Opened items of the owner's community with the most opinions (more than the smaller page, so the
  // larger one holds more rows; at scale 1 more than the larger page too).
  variables: async (ctx) =>
    (
      await ids(
        ctx.db,
        `SELECT a.id FROM agenda_item a
           CROSS JOIN LATERAL (SELECT count(*) AS n FROM agenda_opinion o WHERE o.community_id = a.community_id AND o.agenda_item_id = a.id) o
          WHERE a.community_id = $1 AND a.status <> 'PROPOSED' AND o.n > 5
          ORDER BY o.n DESC, a.created_at, a.id LIMIT 10`,
        [ctx.facts.communityId],
      )
    ).map((id) => ({ id })),
  rows: (data) => (data.agendaItem as { opinions: { edges: unknown[] } }).opinions.edges.length,
});

const projectsList = boundedRead({
  name: 'projects-list',
  title: 'projects of a community with lead partner, demand items, progress updates (admin)',
  needs: ['projects'],
  bound: 9,
  why: 'the viewer (1), the page and its totalCount (2), then one batch each: lead persons, communities, project-demand links, demand items, updates, lead partners',
  sizes: [5, 50],
  token: 'admin',
  query: /* GraphQL */ `
    query Projects($communityId: ID!, $n: Int) {
      projects(communityId: $communityId, first: $n) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node { id title status progressPercent startDate endDate leadPartner { id name } leadPersonName community { id name }
          demands { id title status } updates { id text progressPercent previousPercent authorName createdAt } } }
      }
    }`,
  variables: communityVariables(10),
  rows: edgesOf('projects'),
});

const ratingRoundsList = boundedRead({
  name: 'rating-rounds',
  title: "ratingRounds of a community with partners, panel progress, my ballots, results (its secretary, a panellist)",
  needs: ['ratings'],
  bound: 10,
  why: 'the viewer (1), the page, then one batch each: communities, panels (with progress), ballots cast, round partners, partners, panellists, my ballots, results',
  sizes: [2, 5],
  token: 'secretary',
  query: /* GraphQL */ `
    query Rounds($communityId: ID!, $n: Int) {
      ratingRounds(communityId: $communityId, first: $n) {
        id title period status closesAt closedAt panelSize ballotsCast onPanel criteria { key name weight }
        partners { id name } panel { scoredPartners user { id displayName } }
        myBallots { partner { id } scores { key score } }
        results { stars score ballots partner { id name } }
        community { id name }
      }
    }`,
  variables: async (ctx) => [{ communityId: ctx.facts.communityId }],
  rows: (data) => (data.ratingRounds as unknown[]).length,
});

const publicBoard = boundedRead({
  name: 'public-board',
  title: "publicBoard with every section (figures, demand lists, requests, agenda, projects, ratings, sessions), no sign-in",
  needs: ['requests', 'agendas', 'projects', 'ratings'],
  bound: 24,
  why:
    'community, figures, 9 section lists (sessions: page + totalCount), then per section that reaches it: partners (up to 4 batches), rooms (2), demand items (2), ' +
    'project updates, agenda counts, rating rounds, lead persons',
  sizes: [5, 50],
  token: null,
  query: /* GraphQL */ `
    query Board($communityId: ID!, $n: Int) {
      publicBoard(communityId: $communityId) {
        community { id name }
        figures { requestsReceived requestsResolved medianDaysToResolve residentSatisfaction fulfilledMatches verifiedServiceHours publicBenefitSessionsHeld activePartners }
        openDemands(first: $n) { id title urgency quantity remainingQuantity }
        inProgressDemands { id title }
        recentlyFulfilled(first: $n) { id quantity fulfilledAt partner { id name } demand { id title } }
        recentRequests(first: $n) { id kind title status createdAt demand { id title } }
        agenda { id title status opinionsCloseAt support oppose neutral outcome }
        projects { id title status progressPercent leadPartner { id name } leadPersonName updates { text progressPercent } }
        ratings { stars score partner { id name } round { id period } }
        publicBenefitSessions(first: $n) { totalCount edges { node { id start end room { id name } partner { id name } } } }
        upcomingPublicBenefitSessions { id start room { name } }
      }
    }`,
  variables: communityVariables(10),
  rows: (data) => {
    const b = data.publicBoard as Record<string, unknown[]> & { publicBenefitSessions: { edges: unknown[] } };
    return b.openDemands.length + b.recentlyFulfilled.length + b.recentRequests.length + b.publicBenefitSessions.edges.length;
  },
});
/** The scenarios that compare our server with PostGraphile 5 and 4 (`npm run bench -- --versus`). */
export const VERSUS_SCENARIOS = ['nested-read', 'review-queue', 'bookings-pages', 'room-week-bookings'];

export const SCENARIOS: Scenario[] = [
  nestedRead,
  reviewQueue,
  roomAvailability,
  roomWeekBookings,
  suggestions,
  serviceHoursSummary,
  serviceHoursSummaryOne,
  publicFigures,
  bookingsPages,
  serviceLogPages,
  bookSlotContention,
  contractApproval,
  requestsList,
  agendasList,
  agendaDetail,
  projectsList,
  ratingRoundsList,
  publicBoard,
];
