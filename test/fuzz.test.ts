import { nowMs } from '../src/common/clock';
import fs from 'node:fs';
import path from 'node:path';
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';
import type { Client } from 'graphql-ws';
import { startTestApp, type TestApp } from './support/app';
import { POST_DEMAND, PUBLISH_OFFER, ok } from './support/demand-fixtures';
import { activePartner, communityWithSecretary, createRoom, signUp, unique } from './support/fixtures';
import { bearer, wsClient } from './support/live';
import { rawRequest } from './support/raw-http';

/*
 * Schema-aware fuzzing (issue #11): operations generated from the introspected schema, every root
 * field with hostile argument values per type, sent anonymously and signed in, over HTTP and over
 * WebSocket. Every answer must be data or errors with a known code, never INTERNAL_SERVER_ERROR,
 * and the server must still answer /healthz quickly afterwards. Then the same for the plain routes.
 *
 * Deterministic: FUZZ_SEED (printed on every run) replays a run; FUZZ_COUNT sets the number of
 * GraphQL operations (default 2000), FUZZ_ROUTE_COUNT the plain-route requests (default 400), FUZZ_CONCURRENCY the requests in flight (default 4), FUZZ_BUDGET_MS the time allowed (default 120000); FUZZ_DUMP=<file> appends operations slower than 3 s to the file.
 */

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const COUNT = Number(process.env.FUZZ_COUNT ?? 2000);
const ROUTE_COUNT = Number(process.env.FUZZ_ROUTE_COUNT ?? 400);
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 4);
/**
 * Wall-clock budget for the GraphQL operations: on a machine busy with other suites the run stops
 * there (after at least MIN_OPERATIONS) and says how many ran; the operations are the same prefix
 * of the seed's sequence either way.
 */
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 120_000);
const MIN_OPERATIONS = Math.min(COUNT, 500);

/** mulberry32: small, fast, good enough to pick values; the same seed gives the same run. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
  };
}
type Rng = ReturnType<typeof prng>;

/** The codes of src/errors.ts's ErrorCode (read from the source, so codes added later count) and graphql-js's/Apollo's own. */
function knownCodes(): Set<string> {
  const source = fs.readFileSync(path.join(__dirname, '../src/errors.ts'), 'utf8');
  const union = /export type ErrorCode =([^;]+);/.exec(source)![1];
  const codes = new Set([...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]));
  codes.delete('INTERNAL_SERVER_ERROR');
  for (const c of ['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED', 'BAD_REQUEST', 'BAD_USER_INPUT', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE']) codes.add(c);
  return codes;
}

// ---------------------------------------------------------------- hostile values

const BIG = 900_000; // under the 1 MB body limit once quoted in JSON
const HOSTILE_TEXT = [
  '',
  ' ',
  'ordinary text 普通文本',
  'nul\u0000byte',
  '\u0000',
  'bell\u0007 and escape \u001b[31mred\u001b[0m',
  'c1\u0085\u009b',
  'bidi \u202Eexe.txt',
  'isolate \u2066x\u2069',
  'two\nlines\r\nand\ttab',
  'lone \uD800 surrogate',
  '\uDFFF',
  "'; DROP TABLE app_user; --",
  '%_\\',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  '=HYPERLINK("http://evil.example")',
  '😀'.repeat(500),
  'a'.repeat(5000),
  'x@y.z',
  '__proto__',
  'null',
  '-1',
  '0x10',
];
const HOSTILE_IDS = ['', 'not-a-uuid', '00000000-0000-0000-0000-000000000000', '00000000-0000-4000-8000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '1', '-1', "' OR 1=1 --", '\u0000', '0000000-0000-4000-8000-00000000000g', '{}'];
const HOSTILE_INTS = [0, 1, -1, 2, 7, 100, 101, 2147483647, -2147483648, 1_000_000, 1_000_001, 999_999_999];
const INVALID_INTS = [2147483648, 1.5, 'NaN', '1', 1e300, -1e300, null, true];
const INSTANTS = [
  () => new Date(nowMs() + 86_400_000).toISOString(),
  () => new Date(nowMs() - 3_600_000).toISOString(),
  () => new Date(nowMs() + 30 * 86_400_000).toISOString(),
  () => '9999-12-31T00:00:00Z',
  () => '0001-01-01T00:00:00Z',
  () => '1970-01-01T00:00:00Z',
  () => '2100-12-31T23:59:59Z',
  () => '2101-01-01T00:00:00Z',
  () => '1999-12-31T23:59:59Z',
  () => '2024-02-30T00:00:00Z',
  () => '2024-01-01',
  () => '+275760-09-13T00:00:00Z',
  () => 'yesterday',
  () => '2024-01-01T00:00:00\u0000Z',
];
const LOCAL_DATES = ['2025-03-01', '2026-12-31', '2030-01-31', '9999-12-31', '0000-01-01', '1999-12-31', '2101-01-01', '2024-02-29', '2023-02-29', '2024-13-01', '20240101', 'x'];
const LOCAL_TIMES = ['08:00', '09:30', '23:59', '00:00', '24:00', '8:00', '12:60', 'x', '12:00\u0000'];
const cursor = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const CURSORS = [
  'garbage',
  '',
  cursor(['garbage', 'x']),
  cursor([{}, []]),
  cursor([1e300, 'a']),
  cursor(['2025-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']),
  cursor([5, '2025-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']),
  cursor(['9999-12-31T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']),
  cursor(null),
  cursor('x'),
  'A'.repeat(10_000),
  cursor(['2025-01-01T00:00:00.000Z\u0000', 'x']),
];

interface Pools {
  ids: string[];
  emails: string[];
}

class Generator {
  constructor(
    private readonly rng: Rng,
    private readonly schema: GraphQLSchema,
    private readonly pools: Pools,
  ) {}

  /** A value for `type`, usually plausible in shape and often hostile in content; now and then of the wrong shape. */
  value(type: GraphQLInputType, name: string, depth = 0): unknown {
    const r = this.rng;
    if (isNonNullType(type)) return r.chance(0.02) ? null : this.value(type.ofType, name, depth);
    if (r.chance(0.05)) return null;
    if (isListType(type)) {
      // Large lists stay at a few hundred items: graphql-js makes one error object per bad item.
      const n = r.chance(0.03) ? 100 + r.int(300) : r.int(4);
      const items = Array.from({ length: n }, () => this.value(type.ofType, name, depth + 1));
      return r.chance(0.03) ? this.value(type.ofType, name, depth + 1) : items; // a single item where a list is expected is coerced
    }
    if (isInputObjectType(type)) {
      if (depth > 3 || r.chance(0.02)) return r.pick(['x', 1, []]);
      const out: Record<string, unknown> = {};
      for (const field of Object.values(type.getFields())) {
        if (isNonNullType(field.type) || r.chance(0.6)) out[field.name] = this.value(field.type, field.name, depth + 1);
      }
      if (r.chance(0.02)) out.unexpected = 'field';
      return out;
    }
    if (isEnumType(type)) {
      const values = type.getValues().map((v) => v.name);
      return r.chance(0.03) ? r.pick(['NOT_A_VALUE', '', 'approve', 1]) : r.pick(values);
    }
    if (isScalarType(type)) return this.scalar(type.name, name);
    return null;
  }

  private scalar(typeName: string, name: string): unknown {
    const r = this.rng;
    switch (typeName) {
      case 'ID':
        return r.chance(0.6) && this.pools.ids.length ? r.pick(this.pools.ids) : r.chance(0.005) ? 'a'.repeat(BIG) : r.pick(HOSTILE_IDS);
      case 'Int':
        return r.chance(0.05) ? r.pick(INVALID_INTS) : r.pick(HOSTILE_INTS);
      case 'Float':
        return r.pick([0, -1, 1.5, 1e308, -1e308, 'NaN']);
      case 'Boolean':
        return r.chance(0.03) ? 'true' : r.chance(0.5);
      case 'DateTime':
        return r.pick(INSTANTS)();
      case 'LocalDate':
        return r.pick(LOCAL_DATES);
      case 'LocalTime':
        return r.pick(LOCAL_TIMES);
      default:
        break;
    }
    if (name === 'after') return r.pick(CURSORS);
    if (name === 'email' && r.chance(0.5)) return r.chance(0.5) && this.pools.emails.length ? r.pick(this.pools.emails) : `${unique('fz')}@example.com`;
    if (name === 'timezone' && r.chance(0.5)) return r.pick(['Asia/Shanghai', 'America/New_York', 'Mars/Olympus', '../../etc/passwd', 'UTC', '+08:00']);
    if (r.chance(0.002)) return 'z'.repeat(BIG);
    if (r.chance(0.01)) return 1234; // a number where text is expected
    return r.pick(HOSTILE_TEXT);
  }

  /** A selection of `type`'s fields: its plain fields, a few nested objects (their arguments fuzzed too). */
  selection(type: GraphQLOutputType, vars: Vars, depth = 0): string {
    const named = getNamedType(type);
    if (isScalarType(named) || isEnumType(named)) return '';
    if (isUnionType(named)) {
      const member = this.rng.pick(named.getTypes());
      return `{ __typename ... on ${member.name} ${this.selection(member, vars, depth)} }`;
    }
    if (!isObjectType(named) && !isInterfaceType(named)) return '';
    const parts = ['__typename'];
    const fields = Object.values(named.getFields()) as GraphQLField<unknown, unknown>[];
    for (const field of fields) {
      const leaf = isScalarType(getNamedType(field.type)) || isEnumType(getNamedType(field.type));
      const needsArgs = field.args.some((a) => isNonNullType(a.type));
      if (leaf && !needsArgs && this.rng.chance(0.7)) parts.push(field.name);
    }
    if (depth < 2) {
      const nested = fields.filter((f) => !isScalarType(getNamedType(f.type)) && !isEnumType(getNamedType(f.type)));
      for (let i = 0; i < 2 && nested.length; i++) {
        const field = this.rng.pick(nested);
        const alias = `n${depth}_${i}`;
        parts.push(`${alias}: ${field.name}${this.args(field.args, vars, 0.3)} ${this.selection(field.type, vars, depth + 1)}`);
      }
    }
    return `{ ${parts.join(' ')} }`;
  }

  /** `(a: $v1, b: "literal")`: each value either a variable or written into the document. */
  args(args: readonly GraphQLArgument[], vars: Vars, optional = 0.7): string {
    const parts: string[] = [];
    for (const arg of args) {
      if (!isNonNullType(arg.type) && !this.rng.chance(optional)) continue;
      const value = this.value(arg.type, arg.name);
      if (vars.literal) parts.push(`${arg.name}: ${literal(value, arg.type)}`);
      else {
        const name = `v${vars.defs.length}`;
        vars.defs.push(`$${name}: ${String(arg.type)}`);
        vars.values[name] = value;
        parts.push(`${arg.name}: $${name}`);
      }
    }
    return parts.length ? `(${parts.join(', ')})` : '';
  }
}

interface Vars {
  literal: boolean;
  defs: string[];
  values: Record<string, unknown>;
}

/** A GraphQL literal for `value` (enum values bare where the type is an enum). */
function literal(value: unknown, type: GraphQLInputType): string {
  if (value === null || value === undefined) return 'null';
  const inner = isNonNullType(type) ? type.ofType : type;
  if (Array.isArray(value)) return `[${value.map((v) => literal(v, isListType(inner) ? inner.ofType : inner)).join(', ')}]`;
  if (typeof value === 'object') {
    const fields = isInputObjectType(inner) ? inner.getFields() : {};
    return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${literal(v, fields[k]?.type ?? inner)}`).join(', ')} }`;
  }
  if (isEnumType(inner) && typeof value === 'string' && /^[_A-Za-z]\w*$/.test(value)) return value;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

interface Operation {
  kind: 'query' | 'mutation' | 'subscription';
  text: string;
  variables: Record<string, unknown>;
}

function operation(gen: Generator, rng: Rng, schema: GraphQLSchema, kind: Operation['kind'], field: GraphQLField<unknown, unknown>): Operation {
  const vars: Vars = { literal: rng.chance(0.25), defs: [], values: {} };
  // Mostly one field; sometimes the same field under several aliases with different arguments.
  const copies = kind === 'subscription' ? 1 : rng.chance(0.1) ? 2 + rng.int(4) : 1;
  const selections = Array.from({ length: copies }, (_, i) => `${copies > 1 ? `a${i}: ` : ''}${field.name}${gen.args(field.args, vars)} ${gen.selection(field.type, vars)}`);
  const anonymous = rng.chance(0.5);
  const header = `${kind}${anonymous ? '' : ' Fuzz'}${vars.defs.length ? `(${vars.defs.join(', ')})` : ''}`;
  return { kind, text: `${header} { ${selections.join(' ')} }`, variables: vars.values };
}

// ---------------------------------------------------------------- the run

interface Answer {
  status: number;
  errors?: { message?: string; extensions?: { code?: string } }[];
  data?: unknown;
  closed?: string;
}

const clip = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}...(${s.length} chars)` : s);
const clipValues = (v: unknown) => clip(JSON.stringify(v, (_k, x) => (typeof x === 'string' ? clip(x, 60) : Array.isArray(x) && x.length > 5 ? [...x.slice(0, 5), `...${x.length}`] : x)), 600);

let app: TestApp;
let schema: GraphQLSchema;
let pools: Pools;
const tokens: Record<'anonymous' | 'user' | 'admin', string | null> = { anonymous: null, user: null, admin: null };
const sockets: Client[] = [];

beforeAll(async () => {
  // eslint-disable-next-line no-console
  console.log(`fuzz: FUZZ_SEED=${SEED} FUZZ_COUNT=${COUNT} FUZZ_ROUTE_COUNT=${ROUTE_COUNT}`);
  app = await startTestApp();
  const introspection = await app.gql(getIntrospectionQuery());
  schema = buildClientSchema(introspection.data);
  // Real rows, so that many generated IDs name something and the fuzz reaches past "not found".
  const { communityId, secretary } = await communityWithSecretary(app);
  const partner = await activePartner(app, communityId, secretary);
  const roomId = await createRoom(app, secretary.token, communityId, [{ weekday: 'MONDAY', startTime: '09:00', endTime: '10:00' }]);
  const demand = ok(await app.gql(POST_DEMAND, { i: { communityId, title: unique('需求'), category: 'GOODS', quantity: 5, unit: '张' } }, secretary.token));
  const offer = ok(await app.gql(PUBLISH_OFFER, { i: { partnerId: partner.partnerId, title: unique('供给'), category: 'GOODS', quantity: 5, unit: '张' } }, partner.owner.token));
  const other = await signUp(app);
  pools = {
    ids: [communityId, partner.partnerId, partner.partnershipId, roomId, demand.postDemand.id, offer.publishOffer.id, secretary.id, partner.owner.id, other.id],
    emails: [secretary.email, partner.owner.email, other.email],
  };
  tokens.user = partner.owner.token;
  tokens.admin = await app.adminToken();
});

afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await app?.close();
});

async function overHttp(op: Operation, token: string | null): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await rawRequest(app.server, 'POST', '/graphql', headers, JSON.stringify({ query: op.text, variables: op.variables }));
  return { status: res.status, errors: res.body?.errors, data: res.body?.data };
}

function overWebSocket(client: Client, op: Operation): Promise<Answer> {
  return new Promise((resolve) => {
    const errors: Answer['errors'] = [];
    let data: unknown;
    let settled = false;
    const finish = (extra: Partial<Answer> = {}) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      resolve({ status: 200, errors: errors.length ? errors : undefined, data, ...extra });
    };
    // A subscription with acceptable arguments waits for events: that is an answer too.
    const timer = setTimeout(() => finish(), op.kind === 'subscription' ? 150 : 20_000);
    const unsubscribe = client.subscribe(
      { query: op.text, variables: op.variables },
      {
        next: (result) => {
          if (result.errors) errors.push(...(result.errors as Answer['errors'])!);
          data = result.data;
          if (op.kind === 'subscription' && (result.errors || result.data)) finish();
        },
        error: (error) => {
          if (Array.isArray(error)) errors.push(...error);
          else finish({ closed: String((error as { code?: number; reason?: string })?.code ?? error) + ' ' + String((error as { reason?: string })?.reason ?? '') });
          finish();
        },
        complete: () => finish(),
      },
    );
  });
}

describe('schema-aware fuzzing', () => {
  it(`answers ${COUNT} generated operations over HTTP and WebSocket with data or known errors, never INTERNAL_SERVER_ERROR`, async () => {
    const rng = prng(SEED);
    const gen = new Generator(rng, schema, pools);
    const known = knownCodes();
    const roots: [Operation['kind'], GraphQLField<unknown, unknown>][] = [];
    for (const [kind, type] of [['query', schema.getQueryType()], ['mutation', schema.getMutationType()], ['subscription', schema.getSubscriptionType()]] as const) {
      for (const field of Object.values(type?.getFields() ?? {})) roots.push([kind, field as GraphQLField<unknown, unknown>]);
    }
    const identities = Object.keys(tokens) as (keyof typeof tokens)[];
    const clients = new Map<string, Client>();
    const clientFor = (who: keyof typeof tokens) => {
      let c = clients.get(who);
      if (!c) {
        c = wsClient(app.server, tokens[who] ? bearer(tokens[who]!) : {});
        sockets.push(c);
        clients.set(who, c);
      }
      return c;
    };

    const plan = Array.from({ length: COUNT }, (_, i) => {
      // Every root field at least once per identity, then at random.
      const [kind, field] = i < roots.length * identities.length ? roots[i % roots.length] : rng.pick(roots);
      const who = i < roots.length * identities.length ? identities[Math.floor(i / roots.length)] : rng.pick(identities);
      const viaSocket = kind === 'subscription' || rng.chance(0.25);
      return { op: operation(gen, rng, schema, kind, field), who, viaSocket, field: field.name };
    });

    const failures: string[] = [];
    const slow: [number, string][] = [];
    const tally = { data: 0, errors: 0, byCode: {} as Record<string, number> };
    let next = 0;
    const deadline = performance.now() + BUDGET_MS;
    const worker = async () => {
      while (next < plan.length && (next < MIN_OPERATIONS || performance.now() < deadline)) {
        const { op, who, viaSocket, field } = plan[next++];
        let answer: Answer;
        const began = performance.now();
        try {
          answer = viaSocket ? await overWebSocket(clientFor(who), op) : await overHttp(op, tokens[who]);
        } catch (error) {
          failures.push(`${field} (${who}, ${viaSocket ? 'ws' : 'http'}): request failed: ${String(error)}\n  ${clip(op.text)}\n  ${clipValues(op.variables)}`);
          continue;
        }
        if (performance.now() - began > 3000 && process.env.FUZZ_DUMP) fs.appendFileSync(process.env.FUZZ_DUMP, JSON.stringify({ ms: performance.now() - began, via: viaSocket, who, op }) + '\n');
        slow.push([performance.now() - began, `${field} ${viaSocket ? 'ws' : 'http'} ${who} ${op.text.length}+${JSON.stringify(op.variables).length}`]);
        if (answer.closed) {
          clients.delete(who); // the server closed this socket (a limit); a new one for the next operations
          if (/^1011/.test(answer.closed)) failures.push(`${field} (${who}, ws): socket closed as an internal error\n  ${clip(op.text)}`);
          continue;
        }
        const codes = (answer.errors ?? []).map((e) => e.extensions?.code ?? '(no code)');
        if (answer.status >= 500 || codes.some((c) => !known.has(c))) {
          failures.push(
            `${field} (${who}, ${viaSocket ? 'ws' : 'http'}): HTTP ${answer.status} ${JSON.stringify(answer.errors?.map((e) => [e.extensions?.code, clip(e.message ?? '', 120)]))}\n  ${clip(op.text)}\n  ${clipValues(op.variables)}`,
          );
        }
        if (codes.length) tally.errors++;
        else tally.data++;
        for (const c of codes) tally.byCode[c] = (tally.byCode[c] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    // eslint-disable-next-line no-console
    console.log(`fuzz: ${next} of ${plan.length} operations${next < plan.length ? ` (stopped at the ${BUDGET_MS} ms budget)` : ''}, ${tally.data} with data only, ${tally.errors} with errors ${JSON.stringify(tally.byCode)}`);
    slow.sort((x, y) => y[0] - x[0]);
    // eslint-disable-next-line no-console
    console.log(`fuzz: slowest ${JSON.stringify(slow.slice(0, 8))}`);
    expect(failures.slice(0, 20)).toEqual([]);

    const started = performance.now();
    const health = await rawRequest(app.server, 'GET', '/healthz');
    expect(health.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1000);
  }, BUDGET_MS + 120_000);
});

// ---------------------------------------------------------------- plain routes

const UUIDS = ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', '%00', '%E2%80%AE', '%E0%A4%A', '..%2F..%2Fetc%2Fpasswd', '%FF%FE', 'a'.repeat(3000), '', '%20'];
const QUERY_VALUES = ['2024-01-01', '2024-02-30', '9999-12-31', '0000-01-01', '', '%00', 'x', '2024-01-01%00', '%E2%80%AE2024-01-01', 'a'.repeat(6000), '-1', '1e309', '%E0%A4%A', '2024-1-1', '__proto__'];
const QUERY_KEYS = ['communityId', 'from', 'to', 'token', 'from[a]', 'to[]', '__proto__', 'constructor', 'communityId[]', 'query', 'variables', ''];

function hostilePath(rng: Rng, ids: string[]): string {
  const id = () => (rng.chance(0.3) ? rng.pick(ids) : rng.pick(UUIDS));
  const base = rng.pick([
    () => '/exports/service-logs.csv',
    () => `/certificates/service/${id()}`,
    () => `/calendar/rooms/${id()}.ics`,
    () => `/calendar/partners/${id()}.ics`,
    () => '/healthz',
    () => '/readyz',
    () => '/metrics',
    () => '/graphql',
    () => `/${id()}`,
    () => `/exports/${id()}`,
    () => '/calendar/rooms/.ics',
  ])();
  const n = rng.int(5);
  const pairs = Array.from({ length: n }, () => {
    const key = rng.chance(0.8) ? rng.pick(QUERY_KEYS) : rng.pick(UUIDS);
    const value = rng.chance(0.3) ? rng.pick(ids) : rng.pick(QUERY_VALUES);
    return rng.chance(0.1) ? key : `${key}=${value}`;
  });
  return pairs.length ? `${base}?${pairs.join('&')}` : base;
}

describe('plain-route fuzzing', () => {
  it(`answers ${ROUTE_COUNT} hostile requests to the plain routes with a clear 4xx or success, never a 5xx`, async () => {
    const rng = prng(SEED ^ 0x5eed);
    const failures: string[] = [];
    const statuses: Record<number, number> = {};
    const authorizations = [
      () => (tokens.user ? `Bearer ${tokens.user}` : ''),
      () => (tokens.admin ? `Bearer ${tokens.admin}` : ''),
      () => 'Bearer x.y.z',
      () => 'Bearer ',
      () => 'Basic YTpi',
      () => `Bearer ${'a'.repeat(8000)}`,
      () => 'Bearer \u00ff\u00fe',
      () => '',
    ];
    let next = 0;
    const worker = async () => {
      while (next++ < ROUTE_COUNT) {
        const url = hostilePath(rng, pools.ids);
        const headers: Record<string, string> = {};
        const auth = rng.pick(authorizations)();
        if (auth) headers.authorization = auth;
        if (rng.chance(0.2)) headers['x-forwarded-for'] = rng.pick(['1.2.3.4', 'garbage', '::1, 10.0.0.1, ' + 'x'.repeat(2000)]);
        if (rng.chance(0.2)) headers['x-request-id'] = rng.pick(['abc', 'x'.repeat(500), '\u00ff']);
        if (rng.chance(0.1)) headers.accept = rng.pick(['text/html', '*/*', 'application/json;q=x', '']);
        if (rng.chance(0.1)) headers.range = rng.pick(['bytes=0-1', 'bytes=x', 'bytes=99999999999-']);
        const method = rng.chance(0.1) ? rng.pick(['HEAD', 'POST', 'OPTIONS', 'DELETE']) : 'GET';
        let res;
        try {
          res = await rawRequest(app.server, method, url, headers);
        } catch (error) {
          failures.push(`${method} ${clip(url, 200)}: request failed: ${String(error)}`);
          continue;
        }
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status >= 500) failures.push(`${method} ${clip(url, 200)} ${JSON.stringify(headers).slice(0, 200)}: ${res.status} ${clip(res.text, 200)}`);
        else if (res.status >= 400 && method !== 'HEAD') {
          // A clear message: a JSON error with its text, or a plain-text sentence.
          const message = res.body?.errors?.[0]?.message ?? (typeof res.body?.error === 'string' ? res.body.error : res.body?.status === 'unavailable' ? res.body.reason : res.body ? undefined : res.text.trim());
          if (!message) failures.push(`${method} ${clip(url, 200)}: ${res.status} without a message: ${clip(res.text, 200)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    // eslint-disable-next-line no-console
    console.log(`fuzz: plain routes ${JSON.stringify(statuses)}`);
    expect(failures.slice(0, 20)).toEqual([]);
    const health = await rawRequest(app.server, 'GET', '/healthz');
    expect(health.status).toBe(200);
  }, 120_000);
});
