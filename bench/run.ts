import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, databaseUrl, freshDatabase, serverVersion } from './db';
import { DEFAULT_SIZES, generate, generateCivic, sizesAt, type Facts } from './generate';
import { gql } from './load';
import { ensurePeerInstalled, node24Binary, nodeVersion, PEER5_DIR, peerVersion, startPostGraphile4, startPostGraphile5 } from './peer';
import { machine, renderAgain, versusOf, writeResults, writeVersus, type BenchResults } from './report';
import { SCENARIOS, VERSUS_SCENARIOS, type BenchContext, type Peers, type ScenarioResult, type Tokens } from './scenarios';
import { BENCH_ADMIN_EMAIL, BENCH_ADMIN_PASSWORD, ROOT, startApp, type ChildServer } from './server';

/**
 * `npm run bench [-- --scale N --duration S --only a,b --connections N --reuse --out DIR --versus]`
 * Builds a fresh database `mp_bench` (BENCH_DATABASE_URL is the admin URL), fills it, starts our
 * server (and a second one, one on Node 24 and PostGraphile 5 and 4 when needed) as child
 * processes, runs the scenarios, and writes RESULTS.md and results.json (and versus.json and
 * versus.svg when servers were compared): into bench/ for a full default run, else bench/.work/.
 * `--versus` runs only the comparisons and writes versus.json and versus.svg into bench/ (or
 * --out), then renders that folder's RESULTS.md again with them.
 */
interface Options {
  scale: number;
  durationS: number;
  only: string[] | null;
  connections: number;
  sampleN: number | null;
  reuse: boolean;
  out: string | null;
  database: string;
  /** Skip PostGraphile (saves its start-up and loads at large scales; the nested read then has no ratio). */
  noPeer: boolean;
  /** Only render RESULTS.md again from results.json in this directory (after editing bench/history.ts). */
  render: string | null;
  /** Only the scenarios compared with PostGraphile; their results go to versus.json beside the committed results. */
  versus: boolean;
  /** --scale was given (else a reused database's own scale is taken). */
  scaleGiven: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { scale: 1, scaleGiven: false, durationS: 10, only: null, connections: 10, sampleN: null, reuse: false, out: null, database: 'mp_bench', render: null, versus: false, noPeer: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    const number = (name: string) => {
      const v = Number(value());
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} needs a positive number`);
      return v;
    };
    switch (flag) {
      case '--scale': o.scale = number('--scale'); o.scaleGiven = true; break;
      case '--duration': o.durationS = number('--duration'); break;
      case '--connections': o.connections = Math.round(number('--connections')); break;
      case '--samples': o.sampleN = Math.round(number('--samples')); break;
      case '--only': o.only = value().split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--reuse': o.reuse = true; break;
      case '--no-peer': o.noPeer = true; break;
      case '--out': o.out = value(); break;
      case '--database': o.database = value(); break;
      case '--render': o.render = value(); break;
      case '--versus': o.versus = true; break;
      case '--help':
        console.log('npm run bench -- [--scale 1] [--duration 10] [--only name,...] [--connections 10] [--samples N] [--reuse] [--out dir] [--database mp_bench] [--versus] [--no-peer] | --render dir');
        console.log(`scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`);
        process.exit(0);
      // eslint-disable-next-line no-fallthrough
      default: throw new Error(`unknown option ${argv[i]} (try --help)`);
    }
  }
  const unknown = o.only?.filter((n) => !SCENARIOS.some((s) => s.name === n)) ?? [];
  if (o.versus) o.only ??= VERSUS_SCENARIOS;
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return o;
}

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const WORK = path.join(ROOT, 'bench', '.work');
const BASE_PORT = Number(process.env.BENCH_PORT ?? 4101);
const PORTS = { app: BASE_PORT, second: BASE_PORT + 1, pg4: BASE_PORT + 2, pg5: BASE_PORT + 3, app24: BASE_PORT + 4 };

async function login(url: string, email: string, password: string): Promise<string> {
  const res = await gql<{ logIn: { token: string } }>(url, {
    query: `mutation($input: LogInInput!) { logIn(input: $input) { token } }`,
    variables: { input: { email, password } },
  });
  if (!res.data?.logIn) throw new Error(`logIn ${email} failed: ${res.errors[0]?.message}`);
  return res.data.logIn.token;
}

async function main() {
  const started = Date.now();
  const o = parseArgs(process.argv.slice(2));
  if (o.render) {
    const dir = path.resolve(o.render);
    log(`rendered ${renderAgain(dir)} again from its results.json and versus.json`);
    return;
  }
  const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const scenarios = SCENARIOS.filter((s) => !o.only || o.only.includes(s.name));
  const sampleN = o.sampleN ?? (o.durationS < 5 ? 5 : 50);
  log(`scale ${o.scale}, ${o.durationS} s per load, ${o.connections} connections; scenarios: ${scenarios.map((s) => s.name).join(', ')}`);
  ensurePeerInstalled(log);

  const factsFile = path.join(WORK, `facts-${o.database}.json`);
  let facts: Facts;
  let url: string;
  if (o.reuse && fs.existsSync(factsFile)) {
    url = databaseUrl(adminUrl, o.database);
    facts = JSON.parse(fs.readFileSync(factsFile, 'utf8'));
    log(`reusing database ${o.database} (scale of ${JSON.stringify(facts.sizes)})`);
    // The results are labelled with the data's scale (bookings: 1M at scale 1), not the option's default.
    const held = Math.round((facts.sizes.bookings / DEFAULT_SIZES.bookings) * 1000) / 1000;
    if (o.scaleGiven && held !== o.scale) throw new Error(`--scale ${o.scale}, but ${o.database} holds the data of scale ${held}`);
    if (held !== o.scale) log(`scale ${held}: the scale of the data reused`);
    o.scale = held;
    if (facts.domains.requests === undefined) {
      log('the database predates the residents\' domains: adding requests, agendas, projects and ratings');
      facts = await generateCivic(url, facts, log);
      fs.writeFileSync(factsFile, JSON.stringify(facts, null, 2));
    }
  } else {
    log(`creating database ${o.database} and applying migrations`);
    url = await freshDatabase(adminUrl, o.database);
    log(`generating data: ${JSON.stringify(sizesAt(o.scale))}`);
    facts = await generate(url, sizesAt(o.scale), log);
    log(`generated in ${facts.timings.total.toFixed(1)} s`);
    fs.mkdirSync(WORK, { recursive: true });
    fs.writeFileSync(factsFile, JSON.stringify(facts, null, 2));
  }

  const db = await connect(url);
  const loadStart = Math.round(os.loadavg()[0] * 100) / 100;
  const servers: ChildServer[] = [];
  const results: ScenarioResult[] = [];
  try {
    log('starting the server');
    const app = await startApp('app', PORTS.app, url);
    servers.push(app);
    const tokens: Tokens = {
      admin: await login(app.url, BENCH_ADMIN_EMAIL, BENCH_ADMIN_PASSWORD),
      secretary: await login(app.url, facts.secretaryEmail, facts.password),
      owner: await login(app.url, facts.ownerEmail, facts.password),
    };
    let second: Promise<ChildServer> | null = null;
    let peers: Promise<Peers> | null = null;
    const ctx: BenchContext = {
      facts,
      db,
      app,
      tokens,
      durationS: o.durationS,
      connections: o.connections,
      sampleN,
      log,
      secondApp: () =>
        (second ??= startApp('app2', PORTS.second, url).then((s) => {
          servers.push(s);
          return s;
        })),
      peers: () => (o.noPeer ? Promise.reject(new Error('PostGraphile skipped (--no-peer)')) : (peers ??= startPeers(url, servers))),
    };
    for (const s of scenarios) {
      const missing = s.needs.filter((d) => !facts.domains[d]);
      if (missing.length) {
        results.push({ name: s.name, title: s.title, status: 'not available yet', reason: `domain not merged yet (${missing.join(', ')})` });
        log(`${s.name}: not available yet (${missing.join(', ')})`);
        continue;
      }
      log(`${s.name} ...`);
      try {
        const r = await s.run(ctx);
        const result: ScenarioResult = { name: s.name, title: s.title, status: r.status ?? 'ok', ...r };
        results.push(result);
        const l = result.load;
        log(
          `${s.name}: ${result.status}${result.reason ? ` (${result.reason})` : ''}` +
            (l ? `; ${l.rps} req/s, p50 ${l.latency.p50} ms, p95 ${l.latency.p95} ms, p99 ${l.latency.p99} ms` : '') +
            (result.sample?.sqlStatements ? `; SQL ${result.sample.sqlStatements.max}` : '') +
            (result.targets?.length ? `; ${result.targets.map((t) => `${t.notJudged ? 'REPORTED' : t.met ? 'MET' : t.met === false ? 'NOT MET' : '-'}: ${t.measured}`).join('; ')}` : ''),
        );
      } catch (error) {
        const reason = (error as Error).stack ?? String(error);
        results.push({ name: s.name, title: s.title, status: 'failed', reason: reason.split('\n').slice(0, 3).join(' ') });
        log(`${s.name}: FAILED ${reason}`);
      }
      // The compared servers hold up to 60 database connections: after the last comparison they
      // stop, so that the write scenarios' two servers get theirs (max_connections is often 100).
      if (!scenarios.slice(scenarios.indexOf(s) + 1).some((x) => VERSUS_SCENARIOS.includes(x.name))) {
        await Promise.all(servers.filter((x) => PEER_NAMES.includes(x.name)).map((x) => x.stop()));
      }
    }
    // Our servers log at warn: anything they said is worth reading (PostGraphile prints a banner).
    for (const s of servers.filter((x) => !x.name.startsWith('postgraphile'))) {
      const out = s.output().trim();
      if (out) log(`${s.name} said (all of it in bench/.work/${s.name}.log):\n${out.slice(-1500)}`);
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await db.end().catch(() => undefined);
  }

  const pg = await connect(url).then(async (c) => {
    const v = await serverVersion(c);
    await c.end();
    return v;
  });
  const full = o.scale === 1 && !o.only;
  const failedEarly = results.some((r) => r.status === 'failed');
  // A failed comparison never replaces the committed one.
  const out = o.out ? path.resolve(o.out) : full || (o.versus && !failedEarly) ? path.join(ROOT, 'bench') : WORK;
  const report: BenchResults = {
    date: new Date().toISOString(),
    scale: o.scale,
    durationS: o.durationS,
    connections: o.connections,
    sampleN,
    machine: {
      ...machine(pg, {
        postgraphile: safeVersion('postgraphile'),
        postgraphile5: safeVersion('postgraphile', PEER5_DIR),
        autocannon: safeVersion('autocannon'),
        node24: safe(() => nodeVersion(node24Binary())),
      }),
      loadAverage: { start: loadStart, end: Math.round(os.loadavg()[0] * 100) / 100 },
    },
    data: { sizes: facts.sizes, rowCounts: facts.rowCounts, timings: facts.timings, domains: facts.domains, databaseBytes: facts.databaseBytes, rollupMismatches: facts.rollupMismatches },
    scenarios: results,
    targets: results.flatMap((r) => (r.targets ?? []).map((t) => ({ ...t, scenario: r.name }))),
    wallSeconds: (Date.now() - started) / 1000,
  };
  if (o.versus && !failedEarly) {
    const files = writeVersus(out, versusOf(report)!);
    log(`results: ${files.map((f) => path.relative(ROOT, f)).join(', ')} (${Math.round(report.wallSeconds)} s)`);
  } else {
    const files = writeResults(out, report);
    log(`results: ${files.map((f) => path.relative(ROOT, f)).join(', ')} (${Math.round(report.wallSeconds)} s)`);
  }
  const failed = results.filter((r) => r.status === 'failed').map((r) => r.name);
  const broken = report.targets.filter((t) => t.correctness && t.met === false).map((t) => t.scenario);
  if (failed.length || broken.length) {
    log(`FAILED: ${[...failed, ...broken.map((b) => `${b} (correctness target missed)`)].join(', ')}`);
    process.exitCode = 1;
  }
}

function safe<T>(f: () => T): T | null {
  try {
    return f();
  } catch {
    return null;
  }
}
const safeVersion = (pkg: string, dir?: string) => safe(() => peerVersion(pkg, dir));

/**
 * Our server on Node 24 and PostGraphile 5 and 4 (on Node 24 too), started together on first use.
 * Any of them failing to start rejects: the scenarios comparing with them fail, loudly.
 */
const PEER_NAMES = ['app-node24', 'postgraphile5', 'postgraphile4'];

async function startPeers(url: string, servers: ChildServer[]): Promise<Peers> {
  const node = node24Binary();
  const started = await Promise.allSettled([
    startApp('app-node24', PORTS.app24, url, node),
    startPostGraphile5(PORTS.pg5, url, 20, node),
    startPostGraphile4(PORTS.pg4, url, 20, node),
  ]);
  for (const s of started) if (s.status === 'fulfilled') servers.push(s.value);
  const refused = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (refused) throw new Error(`a peer did not start: ${(refused.reason as Error).message.slice(0, 1500)}`);
  const [app24, pg5, pg4] = started.map((s) => (s as PromiseFulfilledResult<ChildServer>).value);
  const v24 = nodeVersion(node);
  return {
    app24,
    pg5,
    pg4,
    labels: {
      ours24: `ours, Node ${v24}`,
      ours: `ours, Node ${process.version}`,
      pg5: `PostGraphile ${peerVersion('postgraphile', PEER5_DIR)}, Node ${v24}`,
      pg4: `PostGraphile ${peerVersion('postgraphile')}, Node ${v24}`,
    },
  };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
