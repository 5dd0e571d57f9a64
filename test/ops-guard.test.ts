import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import path from 'node:path';
import { getNamedType, Kind, parse, print, typeFromAST, type OperationDefinitionNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import request from 'supertest';
import WebSocket from 'ws';
import { nowMs } from '../src/common/clock';
import { ROOM_BOUNDS_MAX_AGE_MS } from '../src/communities/communities.service';
import { ConfigError, loadConfig } from '../src/config';
import { createSchema } from '../src/schema';
import { count, errorCode, PASSWORD, startTestApp, type GqlResult, type TestApp } from './support/app';
import { resetClock, setTestClock } from './support/clock';
import { communityWithSecretary, createRoom, signUp, unique, type Account } from './support/fixtures';
import { wsClient } from './support/live';
import { EVERY_DAY, slot } from './support/spaces';
import { LOG_IN, REGISTER_PARTNER } from './support/documents';

/*
 * One operation guard for HTTP and WebSocket: cost with real row bounds and aliases, at most one
 * password-hashing field per operation, GraphQL Armor's alias and directive limits, the token
 * limit, the rate limit (per user or client address, X-Forwarded-For only from named proxies),
 * introspection off in production, the WebSocket message size, and /metrics closed in production.
 */

const SECRET = 'a-production-secret-of-at-least-32-chars';
const sql = (res: { headers: Record<string, string> }) => Number(res.headers['x-sql-statements']);
const DAY = 86_400_000;

interface WsAnswer {
  data?: any;
  errors?: { message: string; extensions: Record<string, any> }[];
  /** The close event when the server closed the socket instead of answering. */
  closed?: { code: number; reason: string };
}

/** One query or mutation over graphql-ws, until it completes, errs or the socket closes. */
function overWs(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<WsAnswer> {
  return new Promise((resolve) => {
    let last: WsAnswer = {};
    client.subscribe(
      { query, variables },
      {
        next: (result) => {
          last = result as WsAnswer;
        },
        error: (error) => resolve(Array.isArray(error) ? { errors: error } : { closed: error as { code: number; reason: string } }),
        complete: () => resolve(last),
      },
    );
  });
}

const wsCode = (answer: WsAnswer) => answer.errors?.[0]?.extensions.code;

/** A graphql-ws client whose upgrade request carries `headers` (a spoofed X-Forwarded-For). */
function wsClientWithHeaders(server: http.Server, headers: Record<string, string>): Client {
  const port = (server.address() as AddressInfo).port;
  class WithHeaders extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  }
  return createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WithHeaders, retryAttempts: 0, lazy: true });
}

const clients: Client[] = [];
const track = (c: Client) => (clients.push(c), c);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
});

/** `n` aliases of a room's availability over the window $from..$to, each selecting `fields`. */
const availabilityAliases = (n: number, fields = 'start') =>
  `query($id: ID!, $from: DateTime!, $to: DateTime!) { room(id: $id) { ${Array.from({ length: n }, (_, i) => `a${i}: availability(from: $from, to: $to) { ${fields} }`).join(' ')} } }`;

describe('the operation guard on a development server', () => {
  let app: TestApp;
  let roomId: string;
  const from = new Date('2027-03-01T00:00:00Z');
  const window = (days: number) => ({ id: roomId, from: from.toISOString(), to: new Date(from.getTime() + days * DAY).toISOString() });
  beforeAll(async () => {
    app = await startTestApp();
    const { communityId, secretary } = await communityWithSecretary(app);
    // Three slots every day: 273 occurrences in 91 days.
    roomId = await createRoom(app, secretary.token, communityId, EVERY_DAY.flatMap((d) => [slot(d, '09:00', '10:00'), slot(d, '14:00', '15:00'), slot(d, '19:00', '20:00')]));
  });
  afterAll(() => app.close());

  describe('cost', () => {
    it('costs Room.availability by its window x the most weekly slots a room has (21 here), not as 10 rows', async () => {
      // 92 days: (14 started weeks + 1) x 21 slots = 315 rows of 3 fields, plus the field and the room.
      const one = await app.gql(availabilityAliases(1, 'start end available'), window(92));
      expect(one.errors).toBeUndefined();
      expect(one.data.room.a0.length).toBeGreaterThan(270);
      // Each aliased copy costs in full: ten fit in 10,000, eleven do not.
      expect((await app.gql(availabilityAliases(10, 'start end available'), window(92))).errors).toBeUndefined();
      const eleven = await app.gql(availabilityAliases(11, 'start end available'), window(92));
      expect(errorCode(eleven)).toBe('QUERY_TOO_COMPLEX');
      expect(eleven.errors![0].extensions).toMatchObject({ cost: 1 + 11 * (1 + 315 * 3), maxCost: 10_000 });
      expect(sql(eleven)).toBe(0);
      // A week is two started weeks' worth: 42 rows; eleven such copies are fine.
      expect((await app.gql(availabilityAliases(11, 'start end available'), window(7))).errors).toBeUndefined();
    });

    it('reads the bound again at once when a room of this process gains slots', async () => {
      const { communityId, secretary } = await communityWithSecretary(app);
      const query = availabilityAliases(10, 'start end available');
      expect((await app.gql(query, window(92))).errors).toBeUndefined();
      const busy = await createRoom(app, secretary.token, communityId, EVERY_DAY.flatMap((d) => [slot(d, '08:00', '09:00'), slot(d, '10:00', '11:00'), slot(d, '12:00', '13:00'), slot(d, '16:00', '17:00')]));
      const refused = await app.gql(query, window(92));
      expect(refused.errors![0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: 1 + 10 * (1 + 15 * 28 * 3) });
      expect(sql(refused)).toBe(0);
      // Fewer slots again: the bound follows the data down too.
      await app.gqlOk(`mutation($id: ID!, $i: UpdateRoomInput!) { updateRoom(id: $id, input: $i) { id } }`, { id: busy, i: { weeklySlots: [slot('MONDAY', '08:00', '09:00')] } }, secretary.token);
      expect((await app.gql(query, window(92))).errors).toBeUndefined();
    });

    it("sees another process's change of the bound within ROOM_BOUNDS_MAX_AGE_MS, outside the request's statements", async () => {
      const { communityId, secretary } = await communityWithSecretary(app);
      const busy = await createRoom(app, secretary.token, communityId, [slot('MONDAY', '08:00', '09:00')]);
      const query = availabilityAliases(10, 'start end available');
      expect((await app.gql(query, window(92))).errors).toBeUndefined();
      // As another process would: 28 slots written past this process's services.
      const slots = EVERY_DAY.flatMap((d) => ['08', '10', '12', '16'].map((h) => slot(d, `${h}:00`, `${h}:30`)));
      await app.db.query(`UPDATE room SET weekly_slots = $2 WHERE id = $1`, [busy, JSON.stringify(slots)]);
      expect((await app.gql(query, window(92))).errors).toBeUndefined(); // still the bound read before
      try {
        setTestClock(new Date(nowMs() + ROOM_BOUNDS_MAX_AGE_MS).toISOString());
        const refused = await app.gql(query, window(92));
        expect(refused.errors![0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: 1 + 10 * (1 + 15 * 28 * 3) });
        expect(sql(refused)).toBe(0);
      } finally {
        // Through the API, which has this process read the bound again: the tests below expect 21.
        await app.gqlOk(`mutation($id: ID!, $i: UpdateRoomInput!) { updateRoom(id: $id, input: $i) { id } }`, { id: busy, i: { weeklySlots: [slot('MONDAY', '08:00', '09:00')] } }, secretary.token);
        resetClock();
      }
    });

    it('refuses four concurrent requests of 300 aliased availabilities by cost, before any SQL, and /healthz still answers', async () => {
      const query = availabilityAliases(300);
      const [health, ...answers] = await Promise.all([
        new Promise((r) => setTimeout(r, 5)).then(() => request(app.server).get('/healthz')),
        ...Array.from({ length: 4 }, () => app.gql(query, window(92))),
      ]);
      for (const res of answers as GqlResult[]) {
        expect(res.status).toBe(400);
        expect(errorCode(res)).toBe('QUERY_TOO_COMPLEX');
        expect(res.errors![0].extensions).toMatchObject({ cost: 1 + 300 * (1 + 315), maxCost: 10_000 });
        expect(sql(res)).toBe(0);
      }
      expect((health as request.Response).status).toBe(200);
      expect((await request(app.server).get('/healthz')).body).toEqual({ status: 'ok' });
    });

    it('remembers the cost per window: the same text with a longer window is costed again', async () => {
      const query = availabilityAliases(11, 'start end available');
      expect((await app.gql(query, window(7))).errors).toBeUndefined();
      expect(errorCode(await app.gql(query, window(92)))).toBe('QUERY_TOO_COMPLEX');
      expect((await app.gql(query, window(7))).errors).toBeUndefined();
    });
  });

  describe('password-hashing fields', () => {
    const LOGIN = (alias: string) => `${alias}logIn(input: $i) { token }`;
    const login = { i: { email: 'nobody@example.com', password: 'wrong-password-1' } };

    it('refuses two logIn in one operation, aliased or through a fragment, before any SQL', async () => {
      const two = await app.gql(`mutation($i: LogInInput!) { ${LOGIN('a: ')} ${LOGIN('b: ')} }`, login);
      expect(two.status).toBe(400);
      expect(errorCode(two)).toBe('QUERY_TOO_COMPLEX');
      expect(two.errors![0].extensions).toMatchObject({ expensiveFields: 2, maxExpensiveFields: 1, fields: [{ path: 'b' }] });
      expect(sql(two)).toBe(0);

      const viaFragment = await app.gql(`fragment F on Mutation { again: logIn(input: $i) { token } } mutation($i: LogInInput!) { ${LOGIN('')} ...F }`, login);
      expect(errorCode(viaFragment)).toBe('QUERY_TOO_COMPLEX');
      // 400 aliases fit the token limit and the cost limit; they are refused as expensive fields.
      const many = await app.gql(`mutation($i: LogInInput!) { ${Array.from({ length: 400 }, (_, i) => LOGIN(`l${i}: `)).join(' ')} }`, login);
      expect(errorCode(many)).toBe('QUERY_TOO_COMPLEX');
      expect(many.errors![0].extensions.expensiveFields).toBe(400);
      expect(sql(many)).toBe(0);
      // 1,000 do not even parse.
      const thousand = await app.gql(`mutation($i: LogInInput!) { ${Array.from({ length: 1000 }, (_, i) => LOGIN(`l${i}: `)).join(' ')} }`, login);
      expect(thousand.status).toBe(400);
      expect(errorCode(thousand)).toBe('GRAPHQL_PARSE_FAILED');
      expect(thousand.errors![0].message).toMatch(/5000 tokens/);
    });

    it('refuses signUp twice or with a logIn in one operation and creates no account', async () => {
      const [x, y] = [unique('twice'), unique('twice')].map((n) => `${n}@example.com`);
      const res = await app.gql(
        `mutation($x: SignUpInput!, $y: SignUpInput!) { x: signUp(input: $x) { token } y: signUp(input: $y) { token } }`,
        { x: { email: x, password: PASSWORD, displayName: 'X' }, y: { email: y, password: PASSWORD, displayName: 'Y' } },
      );
      expect(errorCode(res)).toBe('QUERY_TOO_COMPLEX');
      const mixed = await app.gql(`mutation($x: SignUpInput!, $i: LogInInput!) { signUp(input: $x) { token } ${LOGIN('')} }`, {
        x: { email: x, password: PASSWORD, displayName: 'X' },
        ...login,
      });
      expect(errorCode(mixed)).toBe('QUERY_TOO_COMPLEX');
      expect(await count(app.db, 'app_user', 'email = ANY($1)', [[x, y]])).toBe(0);
      // One at a time is fine.
      expect((await app.gql(`mutation($x: SignUpInput!) { signUp(input: $x) { token } }`, { x: { email: x, password: PASSWORD, displayName: 'X' } })).errors).toBeUndefined();
    });

    it('refuses batched HTTP requests (one operation per request)', async () => {
      const res = await request(app.server)
        .post('/graphql')
        .set('content-type', 'application/json')
        .send([{ query: `mutation($i: LogInInput!) { ${LOGIN('')} }`, variables: login }, { query: `mutation($i: LogInInput!) { ${LOGIN('')} }`, variables: login }]);
      expect(res.status).toBe(400);
      expect(res.body.data).toBeUndefined();
    });
  });

  describe('aliases, directives and tokens', () => {
    it('accepts 30 aliases and refuses 31 with QUERY_TOO_COMPLEX naming count and limit', async () => {
      const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `m${i}: me { id }`).join(' ')} }`;
      expect((await app.gql(aliases(30))).errors).toBeUndefined();
      const res = await app.gql(aliases(31));
      expect(res.status).toBe(400);
      expect(errorCode(res)).toBe('QUERY_TOO_COMPLEX');
      expect(res.errors![0].extensions).toMatchObject({ aliases: 31, maxAliases: 30 });
      expect(sql(res)).toBe(0);
    });

    it('refuses more than 50 directives', async () => {
      // Aliases of __typename are not counted as aliases (GraphQL Armor's allow list).
      const directives = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `d${i}: __typename @include(if: true)`).join(' ')} }`;
      expect((await app.gql(directives(50))).errors).toBeUndefined();
      const res = await app.gql(directives(51));
      expect(errorCode(res)).toBe('QUERY_TOO_COMPLEX');
      expect(res.errors![0].extensions).toMatchObject({ directives: 51, maxDirectives: 50 });
    });

    it('refuses a document of more than 5000 tokens at parsing', async () => {
      const res = await app.gql(`{ ${'__typename '.repeat(5000)} }`);
      expect(res.status).toBe(400);
      expect(errorCode(res)).toBe('GRAPHQL_PARSE_FAILED');
    });
  });

  describe('over WebSocket, the same guard', () => {
    it('refuses by cost, expensive fields, aliases and tokens as over HTTP', async () => {
      const ws = track(wsClient(app.server));
      const costly = await overWs(ws, availabilityAliases(300), window(92));
      expect(costly.errors![0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: 1 + 300 * 316, maxCost: 10_000 });
      const twice = await overWs(ws, `mutation($i: LogInInput!) { a: logIn(input: $i) { token } b: logIn(input: $i) { token } }`, {
        i: { email: 'nobody@example.com', password: 'wrong-password-1' },
      });
      expect(twice.errors![0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', expensiveFields: 2 });
      const aliases = await overWs(ws, `{ ${Array.from({ length: 31 }, (_, i) => `m${i}: me { id }`).join(' ')} }`);
      expect(aliases.errors![0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', aliases: 31 });
      expect(wsCode(await overWs(ws, `{ ${'__typename '.repeat(5000)} }`))).toBe('GRAPHQL_PARSE_FAILED');
      // graphql's own refusals carry their codes, not INTERNAL_SERVER_ERROR.
      expect(wsCode(await overWs(ws, `{ nope }`))).toBe('GRAPHQL_VALIDATION_FAILED');
      // And the connection still answers what is within the limits.
      const fine = await overWs(ws, availabilityAliases(1), window(7));
      expect(fine.errors).toBeUndefined();
      expect(fine.data.room.a0.length).toBe(21);
      // A text parsed once is still costed per window.
      const eleven = availabilityAliases(11, 'start end available');
      expect((await overWs(ws, eleven, window(7))).errors).toBeUndefined();
      expect(wsCode(await overWs(ws, eleven, window(92)))).toBe('QUERY_TOO_COMPLEX');
      expect((await overWs(ws, eleven, window(7))).data.room.a10.length).toBe(21);
    });

    it('closes the socket with 1009 on a message larger than BODY_LIMIT, without running it', async () => {
      const owner = await signUp(app);
      const before = await count(app.db, 'partner');
      const ws = track(wsClient(app.server, { authorization: `Bearer ${owner.token}` }));
      const answer = await overWs(ws, REGISTER_PARTNER, {
        i: { name: unique('大消息'), category: 'MERCHANT', description: 'y'.repeat(1_100_000) },
      });
      expect(answer.closed?.code).toBe(1009);
      expect(await count(app.db, 'partner')).toBe(before);
      // A new connection is served as usual.
      expect((await overWs(track(wsClient(app.server)), `{ __typename }`)).data).toEqual({ __typename: 'Query' });
    });
  });
});

describe("the README's example operations", () => {
  const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const documents = [
    ...[...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]),
    ...[...readme.matchAll(/`((?:query|mutation)\(\$[^`]+)`/g)].map((m) => m[1]),
    ...[...readme.matchAll(/query: '(subscription[^']+)'/g)].map((m) => m[1]),
  ];
  const operations = documents.flatMap((d) => parse(d).definitions.filter((def): def is OperationDefinitionNode => def.kind === Kind.OPERATION_DEFINITION));
  const SAMPLE: Record<string, unknown> = { ID: randomUUID(), DateTime: '2027-01-03T06:00:00.000Z', Int: 1, String: 'x', Boolean: true };

  it('pass the guard with the default limits, over HTTP and WebSocket (whatever the dummy ids then answer)', async () => {
    expect(operations.length).toBeGreaterThanOrEqual(10);
    const schema = await createSchema();
    const app = await startTestApp({ env: { NODE_ENV: 'production', JWT_SECRET: SECRET } });
    try {
      const ws = track(wsClient(app.server));
      for (const operation of operations) {
        const variables = Object.fromEntries(
          (operation.variableDefinitions ?? []).map((v) => [v.variable.name.value, SAMPLE[getNamedType(typeFromAST(schema, v.type as never)!).name]]),
        );
        const query = print(operation);
        const refused = ['QUERY_TOO_COMPLEX', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR'];
        if (operation.operation !== 'subscription') {
          const res = await app.gql(query, variables);
          expect(refused.includes(errorCode(res)!) ? `${query} -> ${errorCode(res)}` : 'passed').toBe('passed');
        }
        const answer: WsAnswer = await Promise.race([overWs(ws, query, variables), new Promise<WsAnswer>((r) => setTimeout(() => r({}), 300))]);
        expect(refused.includes(wsCode(answer)) ? `${query} -> ${wsCode(answer)}` : 'passed').toBe('passed');
      }
    } finally {
      await app.close();
    }
  });
});

describe('configuration', () => {
  it('reads the new limits, trusts no proxy by default and sizes WebSocket messages like bodies', () => {
    expect(loadConfig({ NODE_ENV: 'development' })).toMatchObject({
      limits: { maxDepth: 10, maxCost: 10_000, maxAliases: 30, maxDirectives: 50, maxTokens: 5_000 },
      trustProxy: false,
      bodyLimitBytes: 1024 * 1024,
    });
    expect(loadConfig({ NODE_ENV: 'development', GRAPHQL_MAX_ALIASES: '5', GRAPHQL_MAX_DIRECTIVES: '0', GRAPHQL_MAX_TOKENS: '800', BODY_LIMIT: '100kb', TRUST_PROXY: '10.0.0.5' })).toMatchObject({
      limits: { maxAliases: 5, maxDirectives: 0, maxTokens: 800 },
      bodyLimitBytes: 102_400,
      trustProxy: '10.0.0.5',
    });
    expect(() => loadConfig({ NODE_ENV: 'development', GRAPHQL_MAX_ALIASES: 'many' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'development', GRAPHQL_MAX_TOKENS: '0' })).toThrow(/GRAPHQL_MAX_TOKENS/);
  });
});

describe('a production server', () => {
  let app: TestApp;
  let ada: Account;
  let bob: Account;
  beforeAll(async () => {
    // 6 operations a minute per user, 3 per anonymous address.
    app = await startTestApp({ env: { NODE_ENV: 'production', JWT_SECRET: SECRET, RATE_LIMIT_PER_MINUTE: '6' } });
    ada = await signUp(app); // each sign-up spends one of 127.0.0.1's three
    bob = await signUp(app);
  });
  afterAll(() => app.close());

  it('refuses introspection over WebSocket', async () => {
    const ws = track(wsClient(app.server, { authorization: `Bearer ${ada.token}` }));
    const schema = await overWs(ws, `{ __schema { queryType { name } } }`);
    expect(schema.data).toBeUndefined();
    expect(schema.errors![0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(schema.errors![0].message).toMatch(/introspection has been disabled/);
    expect(wsCode(await overWs(ws, `{ __type(name: "Query") { name } }`))).toBe('GRAPHQL_VALIDATION_FAILED');
    // Without introspection, no suggestions either.
    const typo = await overWs(ws, `{ communitie { totalCount } }`);
    expect(typo.errors![0].message).not.toMatch(/did you mean/i);
  });

  it("rate limits over WebSocket from the same budget as HTTP: a user's, else the address's", async () => {
    // Six operations, then RATE_LIMITED with a retry hint.
    const ws = track(wsClient(app.server, { authorization: `Bearer ${bob.token}` }));
    for (let i = 0; i < 6; i++) expect((await overWs(ws, `{ me { id } }`)).data).toEqual({ me: { id: bob.id } });
    const limited = await overWs(ws, `{ me { id } }`);
    expect(limited.errors![0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(limited.errors![0].extensions.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(limited.errors![0].extensions.retryAfterSeconds).toBeLessThanOrEqual(60);
    // Over HTTP, the same user is out of budget too.
    const http = await app.gql(`{ me { id } }`, {}, bob.token);
    expect(http.status).toBe(429);
    expect(errorCode(http)).toBe('RATE_LIMITED');

    // Anonymous: 127.0.0.1 has one operation left (signUp spent the other), whichever the transport.
    const anonymous = track(wsClient(app.server));
    expect((await overWs(anonymous, `{ __typename }`)).data).toEqual({ __typename: 'Query' });
    expect(wsCode(await overWs(anonymous, `{ __typename }`))).toBe('RATE_LIMITED');
    expect((await app.gql(`{ __typename }`)).status).toBe(429);
    // Guessing passwords over WebSocket spends the same budget: the guess is refused, not hashed.
    const guess = await overWs(anonymous, LOG_IN, { i: { email: ada.email, password: 'guess-number-1' } });
    expect(wsCode(guess)).toBe('RATE_LIMITED');
  });

  it('closes /metrics without a METRICS_TOKEN (404)', async () => {
    const res = await request(app.server).get('/metrics');
    expect(res.status).toBe(404);
    expect(res.text).not.toMatch(/graphql_requests_total/);
  });
});

describe('X-Forwarded-For', () => {
  // One anonymous operation a minute per client address.
  const env = { RATE_LIMIT_PER_MINUTE: '2', RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1' };
  const from = (app: TestApp, address: string) => request(app.server).post('/graphql').set('content-type', 'application/json').set('x-forwarded-for', address).send({ query: `{ __typename }` });

  it('is ignored by default: a spoofed address from loopback does not get a new budget, over HTTP or WebSocket', async () => {
    const app = await startTestApp({ env });
    try {
      expect((await from(app, '203.0.113.1')).status).toBe(200);
      const spoofed = await from(app, '203.0.113.2');
      expect(spoofed.status).toBe(429);
      expect(spoofed.body.errors[0].extensions.code).toBe('RATE_LIMITED');
      const ws = track(wsClientWithHeaders(app.server, { 'x-forwarded-for': '203.0.113.3' }));
      expect(wsCode(await overWs(ws, `{ __typename }`))).toBe('RATE_LIMITED');
    } finally {
      await app.close();
    }
  });

  it('names the client when TRUST_PROXY names the proxy (here loopback)', async () => {
    const app = await startTestApp({ env: { ...env, TRUST_PROXY: 'loopback' } });
    try {
      expect((await from(app, '203.0.113.1')).status).toBe(200);
      expect((await from(app, '203.0.113.2')).status).toBe(200);
      expect((await from(app, '203.0.113.1')).status).toBe(429);
      const ws = track(wsClientWithHeaders(app.server, { 'x-forwarded-for': '203.0.113.3' }));
      expect((await overWs(ws, `{ __typename }`)).data).toEqual({ __typename: 'Query' });
      expect(wsCode(await overWs(ws, `{ __typename }`))).toBe('RATE_LIMITED');
    } finally {
      await app.close();
    }
  });
});
