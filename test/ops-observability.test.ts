import { until } from './support/live';
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { errorCode, startTestApp, type TestApp } from './support/app';
import { signUp, type Account } from './support/fixtures';

/** Every JSON line the app logs, parsed. */
const lines: Record<string, any>[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
    done();
  },
});

let app: TestApp;
let user: Account;
beforeAll(async () => {
  app = await startTestApp({ log: pino({ level: 'debug' }, sink) });
  user = await signUp(app);
});
afterAll(() => app.close());

/**
 * The request lines logged for one request id. They are written when the response ends, which may
 * be after the client has read it: wait for the line itself (bounded generously, since a loaded
 * machine is slow), not for a fixed time.
 */
async function logged(requestId: string) {
  const find = () => lines.filter((l) => l.requestId === requestId && /request$/.test(l.msg));
  await until(() => find().length > 0, 10_000);
  return find();
}

describe('request logs', () => {
  it('logs each GraphQL request once with its id, operation, user, duration, status and SQL count', async () => {
    const res = await request(app.server)
      .post('/graphql')
      .set('x-request-id', 'req-ops-1')
      .set('authorization', `Bearer ${user.token}`)
      .send({ query: `query Me { me { id } }`, operationName: 'Me' });
    expect(res.body.data.me.id).toBe(user.id);
    const [line, ...more] = await logged('req-ops-1');
    expect(more).toHaveLength(0);
    expect(line).toMatchObject({
      level: 30,
      msg: 'graphql request',
      requestId: 'req-ops-1',
      method: 'POST',
      path: '/graphql',
      status: 200,
      operation: 'Me',
      type: 'query',
      userId: user.id,
      errors: [],
      sqlStatements: Number(res.headers['x-sql-statements']),
    });
    expect(typeof line.durationMs).toBe('number');
  });

  it('logs error codes of refused requests, anonymous callers and generated request ids', async () => {
    const res = await app.gql(`mutation Register { registerPartner(input: { name: "P", category: MERCHANT }) { id } }`);
    expect(errorCode(res)).toBe('UNAUTHENTICATED');
    const requestId = res.headers['x-request-id'];
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const [line] = await logged(requestId);
    expect(line).toMatchObject({ operation: 'Register', type: 'mutation', userId: null, errors: ['UNAUTHENTICATED'] });

    const tooDeep = await app.gql(`{ me { partners { members { user { partners { members { user { partners { members { user { id } } } } } } } } } } }`);
    expect(errorCode(tooDeep)).toBe('QUERY_TOO_COMPLEX');
    const [deepLine] = await logged(tooDeep.headers['x-request-id']);
    expect(deepLine).toMatchObject({ status: 400, errors: ['QUERY_TOO_COMPLEX'], sqlStatements: 0 });

    const unparsable = await app.gql(`{ me { `);
    const [parseLine] = await logged(unparsable.headers['x-request-id']);
    expect(parseLine).toMatchObject({ msg: 'graphql request', operation: null, errors: ['GRAPHQL_PARSE_FAILED'] });
  });

  it('logs a line for other HTTP requests too: probes at debug level, the rest at info', async () => {
    const health = await request(app.server).get('/healthz').set('x-request-id', 'probe-ops');
    expect(health.status).toBe(200);
    expect(await logged('probe-ops')).toEqual([expect.objectContaining({ level: 20, msg: 'http request', method: 'GET', path: '/healthz', status: 200 })]);

    const missing = await request(app.server).get('/nowhere?secret=1').set('x-request-id', 'missing-ops');
    expect(missing.status).toBe(404);
    const [line] = await logged('missing-ops');
    expect(line).toMatchObject({ level: 30, msg: 'http request', path: '/nowhere', status: 404, ip: '127.0.0.1' });
    expect(JSON.stringify(line)).not.toMatch(/secret/);

    const csrf = await request(app.server).get('/graphql?query=%7B__typename%7D').set('x-request-id', 'csrf-ops');
    expect(csrf.status).toBe(400);
    expect(await logged('csrf-ops')).toEqual([expect.objectContaining({ msg: 'http request', status: 400 })]);
  });
});

/** Samples of the Prometheus text exposition format: name, labels, value. */
function parseMetrics(text: string) {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    if (Number.isNaN(value) && m[3] !== 'NaN') throw new Error(`bad value: ${line}`);
    samples.push({ name: m[1], labels, value });
  }
  return samples;
}

describe('GET /metrics', () => {
  it('exposes requests, durations, errors, SQL statements and pool use in the Prometheus format', async () => {
    const communities = await request(app.server).post('/graphql').send({ query: `query Communities { communities(first: 3) { totalCount } }` });
    const statements = Number(communities.headers['x-sql-statements']);
    expect(statements).toBeGreaterThan(0);
    await app.gql(`mutation Register { registerPartner(input: { name: "P", category: MERCHANT }) { id } }`);
    await app.gql(`query Deep { me { partners { members { user { partners { members { user { partners { members { user { id } } } } } } } } } } }`);
    await request(app.server).get('/nowhere');

    const res = await request(app.server).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parseMetrics(res.text);
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);

    expect(value('graphql_requests_total', { operation: 'Communities', type: 'query', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(value('graphql_requests_total', { operation: 'Register', type: 'mutation', outcome: 'error' })).toBeGreaterThanOrEqual(1);
    expect(value('graphql_request_duration_seconds_count', { operation: 'Communities' })).toBeGreaterThanOrEqual(1);
    expect(value('graphql_request_duration_seconds_sum', { operation: 'Communities' })).toBeGreaterThan(0);
    expect(value('graphql_errors_total', { code: 'UNAUTHENTICATED' })).toBeGreaterThanOrEqual(1);
    expect(value('graphql_errors_total', { code: 'QUERY_TOO_COMPLEX' })).toBeGreaterThanOrEqual(1);
    expect(value('graphql_requests_total', { operation: 'Deep', outcome: 'error' })).toBeGreaterThanOrEqual(1);
    expect(value('graphql_request_sql_statements_count', { operation: 'Communities' })).toBe(1);
    expect(value('graphql_request_sql_statements_sum', { operation: 'Communities' })).toBe(statements);
    expect(value('graphql_request_sql_statements_bucket', { operation: 'Communities', le: '0' })).toBe(0);
    expect(value('graphql_request_sql_statements_bucket', { operation: 'Communities', le: '+Inf' })).toBe(1);
    expect(value('db_pool_connections', { state: 'total' })).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'db_pool_connections' && s.labels.state === 'waiting')).toBe(true);
    expect(value('http_requests_total', { route: '/graphql', method: 'POST', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(value('http_requests_total', { route: 'other', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(value('process_cpu_seconds_total')).toBeGreaterThan(0);
  });
});

describe('readiness', () => {
  it('answers /readyz with 503 once draining has begun, while still serving requests', async () => {
    const other = await startTestApp();
    try {
      expect((await request(other.server).get('/readyz')).status).toBe(200);
      other.handle.markDraining();
      const ready = await request(other.server).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: 'unavailable', reason: 'draining' });
      expect((await other.gql(`{ __typename }`)).data).toEqual({ __typename: 'Query' });
    } finally {
      await other.close();
    }
  });
});
