import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import { gunzipSync } from 'node:zlib';
import { peerRequire } from './peer';

/** One GraphQL request: its body (JSON) and token. */
export interface GqlRequest {
  query: string;
  variables?: Record<string, unknown>;
  token?: string;
}

export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  /** From sending the request to the answer's last byte, as autocannon (the load) and curl's time_total count it. */
  ms: number;
  /** The same, and the client's own work after it: the bytes decompressed (when gzip), decoded as UTF-8 text and parsed as JSON. */
  decodedMs: number;
  sqlStatements: number | null;
  /** The body's length as it came (compressed, when it was). */
  receivedBytes: number;
  data: T | null;
  errors: { message: string; extensions?: { code?: string } }[];
}

const UTF8 = new TextDecoder();

/**
 * What every request of the bench sends: JSON, gzip accepted and a language, as browsers ask by
 * default. Our server compresses only large kept answers (src/ops/apollo-express.ts), the
 * PostGraphiles nothing; the sampler's clock stops at the last byte as sent, and its decoded
 * figure includes the decompression. Without a language, ours reads the user's saved one again
 * once a minute (src/i18n/request.ts): a statement not of the request's own making, which fell
 * into the requests list's sample once (6-7 statements at scale 10, session 24).
 */
const CLIENT_HEADERS = { 'content-type': 'application/json', 'accept-encoding': 'gzip', 'accept-language': 'zh-CN' };

/**
 * node:http, connections kept alive as fetch keeps them. Not fetch: undici's fetch hands the body
 * over as a web stream, and collecting 7.5 MB through it took this client 24 ms p50 and 44 ms p95
 * against our server, and 16-18 ms p50 against a server that only writes the same prepared bytes,
 * when curl's time_total was 5.7 and 4.1 ms p50 and node:http's last byte 4.6 and 2.8 (docs/bench.md,
 * "The client's clock at scale 10"). Chunks are collected as they come; joining them is decoding.
 */
const agent = new http.Agent({ keepAlive: true });

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  chunks: Buffer[];
  ms: number;
}

function post(baseUrl: string, headers: Record<string, string>, payload: Buffer, t: number, timeoutMs?: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${baseUrl}/graphql`, { method: 'POST', agent, headers: { ...headers, 'content-length': String(payload.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, chunks, ms: performance.now() - t });
      });
      res.on('error', reject);
    });
    const timer = timeoutMs
      ? setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' })), timeoutMs)
      : undefined;
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(Object.assign(err, { reusedSocket: req.reusedSocket }));
    });
    req.end(payload);
  });
}

/** One request; with `timeoutMs`, a request still unanswered then is abandoned (it throws a TimeoutError). */
export async function gql<T = Record<string, unknown>>(baseUrl: string, req: GqlRequest, timeoutMs?: number): Promise<GqlResponse<T>> {
  const headers = { ...CLIENT_HEADERS, ...(req.token ? { authorization: `Bearer ${req.token}` } : {}) };
  const payload = Buffer.from(JSON.stringify({ query: req.query, variables: req.variables ?? {} }));
  let t = performance.now();
  let res: Answer;
  try {
    res = await post(baseUrl, headers, payload, t, timeoutMs);
  } catch (err) {
    // A kept-alive connection the server closed as this request went out: send it again, once, on a new one
    // (Node.js's documented remedy for that race).
    if (!(err as { reusedSocket?: boolean }).reusedSocket || (err as NodeJS.ErrnoException).code !== 'ECONNRESET') throw err;
    t = performance.now();
    res = await post(baseUrl, headers, payload, t, timeoutMs);
  }
  // The clock stopped at the last byte: decoding 750 KB of mostly Chinese text took this client (Node.js
  // 20) 5-6 ms, more than the server spent sending it (bench/history.ts, session 13). decodedMs keeps it.
  const bytes = Buffer.concat(res.chunks);
  const text = UTF8.decode(res.headers['content-encoding'] === 'gzip' ? gunzipSync(bytes) : bytes);
  let body: { data?: T | null; errors?: GqlResponse['errors'] } = {};
  try {
    body = JSON.parse(text);
  } catch {
    body = { errors: [{ message: `HTTP ${res.status}: ${text.slice(0, 200)}` }] };
  }
  const decodedMs = performance.now() - t;
  const header = res.headers['x-sql-statements'];
  return {
    status: res.status,
    ms: res.ms,
    decodedMs,
    sqlStatements: typeof header === 'string' ? Number(header) : null,
    receivedBytes: bytes.length,
    data: body.data ?? null,
    errors: body.errors ?? [],
  };
}

export interface Latency {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentiles(samples: number[]): Latency {
  const s = [...samples].sort((x, y) => x - y);
  const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : NaN);
  const r = (x: number) => Math.round(x * 100) / 100;
  return { p50: r(at(0.5)), p95: r(at(0.95)), p99: r(at(0.99)), max: r(s[s.length - 1] ?? NaN) };
}

/** Sequential requests, one at a time: service time without queueing, and the SQL statement counts. */
export interface Sample {
  n: number;
  /** To the answer's last byte. */
  latency: Latency;
  /** To the answer decoded and parsed by the client. */
  decoded: Latency;
  sqlStatements: { min: number; max: number } | null;
  /** The first GraphQL error, if any answer had one. */
  error: string | null;
}

/**
 * `n` sequential requests after a warm-up; stops early (after at least 5) once `budgetMs` is spent,
 * so a slow answer cannot stall the run. The warm-up (not counted) is the first 10 requests, then
 * more in turn until `warmUpMs` have passed (at most 500): the first answers pay for JIT compilation
 * and cold caches, on the server and in this client too. This process reads its first few dozen
 * large answers (750 KB) slower than later ones: the server's first byte is as early, the last byte
 * comes 10 ms later (docs/bench.md, "Answered before execution, and a warmed-up client"), and 10 requests of a three-question mix held only
 * three of them.
 */
export async function sample(baseUrl: string, requests: GqlRequest[], n: number, o: { budgetMs?: number; warmUpMs?: number } = {}): Promise<Sample> {
  const { budgetMs = 30_000, warmUpMs = 1_000 } = o;
  const warmStart = performance.now();
  for (let i = 0; i < Math.min(10, n) || (i < 500 && performance.now() - warmStart < warmUpMs); i++) await timed(baseUrl, requests[i % requests.length]);
  const started = performance.now();
  const times: number[] = [];
  const decoded: number[] = [];
  const statements: number[] = [];
  let error: string | null = null;
  for (let i = 0; i < n; i++) {
    if (i >= 5 && performance.now() - started > budgetMs) break;
    await settleClient();
    const res = await timed(baseUrl, requests[i % requests.length]);
    times.push(res.ms);
    decoded.push(res.decodedMs);
    if (res.sqlStatements !== null) statements.push(res.sqlStatements);
    error ??= res.error;
  }
  return {
    n: times.length,
    latency: percentiles(times),
    decoded: percentiles(decoded),
    sqlStatements: statements.length ? { min: Math.min(...statements), max: Math.max(...statements) } : null,
    error,
  };
}

/**
 * The client's own garbage, collected outside the clock. An answer of 50,000 buckets (7.5 MB, parsed)
 * was otherwise collected while the next request was on its way: against a server that only writes
 * the same prepared bytes, this client read the first byte 8-11 ms late (p50; the server had sent it
 * after 1 ms) and the last 11-14 ms p50, 16-41 p95, where curl took 4.1 ms p50 (docs/bench.md, "The
 * client's clock at scale 10"). V8's collector is exposed here rather than by a flag on every entry
 * point; its sweeping goes on in other threads, hence the pause after it.
 */
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;
async function settleClient() {
  collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 5));
}

/** One timed request of a sample, keeping only its figures: the answer is garbage before the next is sent. */
async function timed(baseUrl: string, request: GqlRequest) {
  const res = await gql(baseUrl, request);
  const e = res.errors[0];
  const error = e ? `${e.extensions?.code ?? 'ERROR'}: ${e.message}` : res.status !== 200 ? `HTTP ${res.status}` : null;
  return { ms: res.ms, decodedMs: res.decodedMs, sqlStatements: res.sqlStatements, error };
}

export interface LoadResult {
  connections: number;
  durationS: number;
  requests: number;
  rps: number;
  latency: Latency;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU time the server process spent per request during the load (ms): robust on a shared machine. */
  serverCpuMsPerRequest?: number;
}

interface AutocannonResult {
  requests: { total: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
interface AutocannonInstance {
  on(event: 'response', fn: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
}
type Autocannon = (
  opts: Record<string, unknown>,
  cb: (err: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

/**
 * Closed-loop load with autocannon: `connections` clients each send the next request as soon as
 * the previous answer arrives, for `durationS` seconds, rotating through `requests`. Latency
 * percentiles come from every response's time (autocannon's own summary has no p95).
 */
export function load(baseUrl: string, requests: GqlRequest[], connections: number, durationS: number): Promise<LoadResult> {
  const autocannon = peerRequire<Autocannon>('autocannon');
  const bodies = requests.map((r) => ({
    body: JSON.stringify({ query: r.query, variables: r.variables ?? {} }),
    headers: { ...CLIENT_HEADERS, ...(r.token ? { authorization: `Bearer ${r.token}` } : {}) },
  }));
  let next = 0;
  const times: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${baseUrl}/graphql`,
        method: 'POST',
        connections,
        duration: durationS,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            setupRequest: (req: Record<string, unknown>) => ({ ...req, ...bodies[next++ % bodies.length] }),
          },
        ],
      },
      (err, result) => {
        if (err) return reject(err);
        resolve({
          connections,
          durationS,
          requests: result.requests.total,
          rps: Math.round((result.requests.total / result.duration) * 10) / 10,
          latency: percentiles(times),
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime));
  });
}
