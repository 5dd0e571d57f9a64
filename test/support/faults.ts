import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './app';
import { unique } from './fixtures';
import { CREATE_COMMUNITY, LOG_IN } from './documents';
import { post } from './child-app';
import { urlFor } from './pg';

/**
 * The fault tests' shared parts: a load of acknowledged writes and reads against a server over
 * HTTP, every request timed and tallied, and the figures each test writes to
 * test-artifacts/faults/<name>.json (docs/faults.md explains and quotes them).
 */

export const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts', 'faults');

/** Writes a fault test's figures (with the machine's load, since the machine is shared). */
export function writeReport(name: string, figures: Record<string, unknown>): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  const report = { fault: name, loadAverage1m: Number(loadavg()[0].toFixed(2)), ...figures };
  writeFileSync(path.join(ARTIFACTS, `${name}.json`), JSON.stringify(report, null, 2) + '\n');
}

/**
 * Creates `database` on the server of `serverUrl` as a copy of this run's migrated template (a dump
 * of it restored): a cluster of a test's own gets the schema in seconds instead of migrating anew.
 */
export async function copyTemplate(serverUrl: string, database: string): Promise<string> {
  await query(serverUrl, `CREATE DATABASE ${database}`);
  const target = new URL(serverUrl);
  target.pathname = `/${database}`;
  const bin = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
  await new Promise<void>((resolve, reject) =>
    execFile(
      'bash',
      ['-o', 'pipefail', '-c', `"${bin}/pg_dump" --no-owner --no-privileges "$SOURCE" | "${bin}/psql" -q -X -1 -v ON_ERROR_STOP=1 "$TARGET" >/dev/null`],
      { env: { ...process.env, SOURCE: urlFor(`mp_template_${process.env.JEST_RUN_ID}`), TARGET: target.toString() } },
      (error, _stdout, stderr) => (error ? reject(new Error(`copying the template failed: ${stderr}`)) : resolve()),
    ),
  );
  return target.toString();
}

export async function adminToken(url: string): Promise<string> {
  const res = await post(url, LOG_IN, { i: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  if (!res.body.data?.logIn) throw new Error(`admin cannot log in: ${JSON.stringify(res.body)}`);
  return res.body.data.logIn.token;
}

/** One request of the load: when it started and ended (ms since the load started), and how it ended. */
export interface Attempt {
  kind: 'write' | 'read';
  start: number;
  end: number;
  status: number;
  /** extensions.code of the first error, or 'NETWORK' when no HTTP answer came. */
  code?: string;
  message?: string;
  /** The community's name the write asked for (to find unacknowledged writes that were saved anyway). */
  name?: string;
  /** The id of an acknowledged write. */
  id?: string;
}

export interface ReadyProbe {
  at: number;
  /** When its answer came: a probe sent while the database was down may be answered after it is back. */
  end: number;
  status: number;
}

const READ = `query { communities(first: 5) { edges { node { id } } } }`;

/**
 * A steady load on `url` until stop(): `writers` loops of createCommunity (each acknowledged id
 * recorded), `readers` loops of a list query, and /readyz probed every 50 ms.
 */
export function startLoad(url: string, token: string, options: { writers?: number; readers?: number } = {}) {
  const t0 = performance.now();
  const at = () => Math.round(performance.now() - t0);
  const attempts: Attempt[] = [];
  const probes: ReadyProbe[] = [];
  let stopped = false;
  const auth = { authorization: `Bearer ${token}` };

  const once = async (kind: Attempt['kind']) => {
    const name = kind === 'write' ? unique('fault') : undefined;
    const start = at();
    const attempt: Attempt = { kind, start, end: start, status: 0, name };
    try {
      const res = await post(url, kind === 'write' ? CREATE_COMMUNITY : READ, kind === 'write' ? { i: { name } } : {}, auth);
      attempt.status = res.status;
      const error = res.body.errors?.[0];
      if (error) {
        attempt.code = error.extensions?.code ?? 'NO_CODE';
        attempt.message = error.message;
      } else if (kind === 'write') attempt.id = res.body.data.createCommunity.id;
    } catch (error) {
      attempt.code = 'NETWORK';
      attempt.message = (error as Error).message;
    }
    attempt.end = at();
    attempts.push(attempt);
    // A failure answered at once must not turn the loop into a busy one.
    if (attempt.code) await new Promise((r) => setTimeout(r, 20));
  };
  const loop = async (kind: Attempt['kind']) => {
    while (!stopped) await once(kind);
  };
  const probe = async () => {
    while (!stopped) {
      const moment = at();
      const status = await fetch(`${url}/readyz`).then((r) => r.status, () => 0);
      probes.push({ at: moment, end: at(), status });
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const loops = [
    ...Array.from({ length: options.writers ?? 4 }, () => loop('write')),
    ...Array.from({ length: options.readers ?? 2 }, () => loop('read')),
    probe(),
  ];
  return {
    attempts,
    probes,
    /** Milliseconds since the load started. */
    at,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** Waits `ms` (the load runs meanwhile). */
export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `condition` holds; returns the milliseconds it took. */
export async function waitFor(condition: () => boolean | Promise<boolean>, ms: number, what: string): Promise<number> {
  const t0 = performance.now();
  while (!(await condition())) {
    if (performance.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
    await pause(20);
  }
  return Math.round(performance.now() - t0);
}

/** Runs `sql` on a fresh connection to `url`. */
export async function query<T = any>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  // A server that shuts down while this client is idle reports it as an event: never an unhandled one.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/**
 * The figures of one fault window [from, to) of the load, and of every write it ever acknowledged:
 * `lost` are acknowledged writes missing from the database (must be 0); `savedUnacknowledged` are
 * writes answered with an error that were saved anyway (the commit raced the outage: allowed, and
 * the error message says so).
 */
export async function tally(attempts: Attempt[], databaseUrl: string) {
  const writes = attempts.filter((a) => a.kind === 'write');
  const acknowledged = writes.filter((a) => a.id).map((a) => a.id!);
  const failedNames = writes.filter((a) => !a.id && a.name).map((a) => a.name!);
  const present = new Set(
    (await query<{ id: string }>(databaseUrl, `SELECT id FROM community WHERE id = ANY($1::uuid[])`, [acknowledged])).map((r) => r.id),
  );
  const savedAnyway = await query<{ n: number }>(databaseUrl, `SELECT count(*)::int AS n FROM community WHERE name = ANY($1::text[])`, [failedNames]);
  const failures = attempts.filter((a) => a.code);
  const byCode: Record<string, number> = {};
  for (const f of failures) byCode[`${f.status} ${f.code}`] = (byCode[`${f.status} ${f.code}`] ?? 0) + 1;
  const failedMs = failures.map((f) => f.end - f.start).sort((a, b) => a - b);
  const answeredMs = attempts.filter((a) => !a.code).map((a) => a.end - a.start).sort((a, b) => a - b);
  return {
    requestsTried: attempts.length,
    writesTried: writes.length,
    writesAcknowledged: acknowledged.length,
    readsTried: attempts.length - writes.length,
    readsAnswered: attempts.filter((a) => a.kind === 'read' && !a.code).length,
    failed: failures.length,
    failedBy: byCode,
    lost: acknowledged.filter((id) => !present.has(id)).length,
    savedUnacknowledged: savedAnyway[0].n,
    slowestFailureMs: failedMs.at(-1) ?? 0,
    medianFailureMs: failedMs[Math.floor(failedMs.length / 2)] ?? 0,
    // For scale: how long answered requests took on this (shared) machine meanwhile.
    medianAnsweredMs: answeredMs[Math.floor(answeredMs.length / 2)] ?? 0,
    slowestAnsweredMs: answeredMs.at(-1) ?? 0,
    failureMessages: [...new Set(failures.map((f) => f.message))].slice(0, 5),
  };
}

/**
 * The load on `url` for 1.5 s, then `stop()`, 2 s down, `start()`, until a write is acknowledged
 * again and `recovered()` holds, then 1 s more. Returns the load's record, the figures (also
 * written to test-artifacts/faults/<name>.json) and the /readyz probes made while it was down.
 */
export async function outageUnderLoad(options: {
  name: string;
  url: string;
  token: string;
  databaseUrl: string;
  stop: () => Promise<void>;
  start: () => Promise<void>;
  /** Something else that must come back by itself (the LISTEN connection), checked after the first write. */
  recovered?: () => Promise<boolean>;
  extra?: Record<string, unknown>;
}) {
  const load = startLoad(options.url, options.token);
  await pause(1500);
  const stopAt = load.at();
  await options.stop();
  const downAt = load.at();
  // One request in English while it is down: the same code, the message in the reader's language.
  const english = await post(options.url, READ, {}, { authorization: `Bearer ${options.token}`, 'accept-language': 'en' });
  await pause(2000);
  const startAt = load.at();
  await options.start();
  const upAt = load.at();
  const recoveryMs = await waitFor(() => load.attempts.some((a) => a.kind === 'write' && a.id && a.start >= upAt), 20_000, 'a write acknowledged after the restart');
  if (options.recovered) await waitFor(options.recovered, 15_000, `${options.name}: recovered`);
  const recoveredAt = load.at();
  await pause(1000);
  await load.stop();

  const figures = { ...(await tally(load.attempts, options.databaseUrl)), outageMs: upAt - stopAt };
  // Sent and answered while it was down (a slow probe sent then may be answered once it is back, rightly 200).
  const whileDown = load.probes.filter((p) => p.at >= downAt && p.end < startAt);
  const failures = load.attempts.filter((a) => a.code);
  writeReport(options.name, {
    ...options.extra,
    timeline: { stopAt, downAt, startAt, upAt, recoveredAt, endedAt: load.at() },
    ...figures,
    firstWriteAfterRestartMs: recoveryMs,
    allRecoveredAfterRestartMs: recoveredAt - upAt,
    readyzWhileDown: { probes: whileDown.length, answered503: whileDown.filter((p) => p.status === 503).length },
    readyzLast: load.probes.at(-1)?.status,
  });
  const englishAnswer = { status: english.status, retryAfter: english.headers.get('retry-after'), error: english.body.errors?.[0] };
  return { load, figures, whileDown, failures, englishAnswer };
}

/**
 * What every outage under load must show (`outageUnderLoad`'s result): no acknowledged write lost;
 * the outage felt, and every failure a plain 503 SERVICE_UNAVAILABLE without driver text (`leaks`:
 * what must not appear); fast (no failed request waited as long as the outage lasted); /readyz 503
 * while down and 200 after; the English answer as documented.
 */
export function expectOutageSurvived(outcome: Awaited<ReturnType<typeof outageUnderLoad>>, leaks: RegExp): void {
  const { load, figures, whileDown, failures, englishAnswer } = outcome;
  expect(figures.writesAcknowledged).toBeGreaterThan(0);
  expect(figures.lost).toBe(0);
  expect(failures.length).toBeGreaterThan(0);
  expect(new Set(failures.map((f) => `${f.status} ${f.code}`))).toEqual(new Set(['503 SERVICE_UNAVAILABLE']));
  for (const f of failures) expect(f.message).not.toMatch(leaks);
  expect(figures.slowestFailureMs).toBeLessThan(figures.outageMs);
  expect(whileDown.length).toBeGreaterThan(0);
  expect(whileDown.every((p) => p.status === 503)).toBe(true);
  expect(load.probes.at(-1)?.status).toBe(200);
  expect(englishAnswer).toEqual({
    status: 503,
    retryAfter: '1',
    error: expect.objectContaining({ message: expect.stringMatching(/^The database cannot be reached right now; try again in a moment/), extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 1 } }),
  });
}
