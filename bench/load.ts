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
  /** The same, and the client's own work after it: the bytes decoded as UTF-8 text and parsed as JSON. */
  decodedMs: number;
  sqlStatements: number | null;
  data: T | null;
  errors: { message: string; extensions?: { code?: string } }[];
}

const UTF8 = new TextDecoder();

/** One request; with `timeoutMs`, a request still unanswered then is abandoned (the fetch throws). */
export async function gql<T = Record<string, unknown>>(baseUrl: string, req: GqlRequest, timeoutMs?: number): Promise<GqlResponse<T>> {
  const t = performance.now();
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(req.token ? { authorization: `Bearer ${req.token}` } : {}) },
    body: JSON.stringify({ query: req.query, variables: req.variables ?? {} }),
    ...(timeoutMs ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
  });
  // The clock stops at the last byte: decoding 750 KB of mostly Chinese text took this client (Node.js
  // 20) 5-6 ms, more than the server spent sending it (bench/history.ts, session 13). decodedMs keeps it.
  const bytes = await res.arrayBuffer();
  const ms = performance.now() - t;
  const text = UTF8.decode(bytes);
  let body: { data?: T | null; errors?: GqlResponse['errors'] } = {};
  try {
    body = JSON.parse(text);
  } catch {
    body = { errors: [{ message: `HTTP ${res.status}: ${text.slice(0, 200)}` }] };
  }
  const decodedMs = performance.now() - t;
  const header = res.headers.get('x-sql-statements');
  return { status: res.status, ms, decodedMs, sqlStatements: header === null ? null : Number(header), data: body.data ?? null, errors: body.errors ?? [] };
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
  for (let i = 0; i < Math.min(10, n) || (i < 500 && performance.now() - warmStart < warmUpMs); i++) await gql(baseUrl, requests[i % requests.length]);
  const started = performance.now();
  const times: number[] = [];
  const decoded: number[] = [];
  const statements: number[] = [];
  let error: string | null = null;
  for (let i = 0; i < n; i++) {
    if (i >= 5 && performance.now() - started > budgetMs) break;
    const res = await gql(baseUrl, requests[i % requests.length]);
    times.push(res.ms);
    decoded.push(res.decodedMs);
    if (res.sqlStatements !== null) statements.push(res.sqlStatements);
    if (!error && (res.errors.length || res.status !== 200)) {
      const e = res.errors[0];
      error = e ? `${e.extensions?.code ?? 'ERROR'}: ${e.message}` : `HTTP ${res.status}`;
    }
  }
  return {
    n: times.length,
    latency: percentiles(times),
    decoded: percentiles(decoded),
    sqlStatements: statements.length ? { min: Math.min(...statements), max: Math.max(...statements) } : null,
    error,
  };
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
    headers: { 'content-type': 'application/json', ...(r.token ? { authorization: `Bearer ${r.token}` } : {}) },
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
