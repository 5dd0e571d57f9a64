import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, databaseUrl, freshDatabase, serverVersion } from './db';
import { generate, generateCivic, sizesAt, type Facts } from './generate';
import { gql } from './load';
import { ensurePeerInstalled, peerVersion, startPostGraphile } from './peer';
import { machine, writeResults, type BenchResults } from './report';
import { SCENARIOS, type BenchContext, type ScenarioResult, type Tokens } from './scenarios';
import { BENCH_ADMIN_EMAIL, BENCH_ADMIN_PASSWORD, ROOT, startApp, type ChildServer } from './server';

/**
 * `npm run bench [-- --scale N --duration S --only a,b --connections N --reuse --out DIR]`
 * Builds a fresh database `mp_bench` (BENCH_DATABASE_URL is the admin URL), fills it, starts our
 * server (and a second one and PostGraphile when needed) as child processes, runs the scenarios,
 * and writes RESULTS.md and results.json: into bench/ for a full default run, else bench/.work/.
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
}

function parseArgs(argv: string[]): Options {
  const o: Options = { scale: 1, durationS: 10, only: null, connections: 10, sampleN: null, reuse: false, out: null, database: 'mp_bench', render: null, noPeer: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    const number = (name: string) => {
      const v = Number(value());
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} needs a positive number`);
      return v;
    };
    switch (flag) {
      case '--scale': o.scale = number('--scale'); break;
      case '--duration': o.durationS = number('--duration'); break;
      case '--connections': o.connections = Math.round(number('--connections')); break;
      case '--samples': o.sampleN = Math.round(number('--samples')); break;
      case '--only': o.only = value().split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--reuse': o.reuse = true; break;
      case '--no-peer': o.noPeer = true; break;
      case '--out': o.out = value(); break;
      case '--database': o.database = value(); break;
      case '--render': o.render = value(); break;
      case '--help':
        console.log('npm run bench -- [--scale 1] [--duration 10] [--only name,...] [--connections 10] [--samples N] [--reuse] [--out dir] [--database mp_bench] [--no-peer] | --render dir');
        console.log(`scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`);
        process.exit(0);
      // eslint-disable-next-line no-fallthrough
      default: throw new Error(`unknown option ${argv[i]} (try --help)`);
    }
  }
  const unknown = o.only?.filter((n) => !SCENARIOS.some((s) => s.name === n)) ?? [];
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return o;
}

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const WORK = path.join(ROOT, 'bench', '.work');
const PORTS = { app: Number(process.env.BENCH_PORT ?? 4101), second: Number(process.env.BENCH_PORT ?? 4101) + 1, peer: Number(process.env.BENCH_PORT ?? 4101) + 2 };

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
    const files = writeResults(dir, JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as BenchResults);
    log(`rendered ${files.markdown} again from its results.json`);
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
    let peer: Promise<ChildServer | null> | null = null;
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
      peer: () =>
        o.noPeer ? Promise.resolve(null) : (peer ??= startPostGraphile(PORTS.peer, url, 20).then(
          (s) => {
            servers.push(s);
            return s;
          },
          (error: Error) => {
            log(`PostGraphile did not start: ${error.message.slice(0, 500)}`);
            return null;
          },
        )),
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
            (result.targets?.length ? `; ${result.targets.map((t) => `${t.met ? 'MET' : t.met === false ? 'NOT MET' : '-'}: ${t.measured}`).join('; ')}` : ''),
        );
      } catch (error) {
        const reason = (error as Error).stack ?? String(error);
        results.push({ name: s.name, title: s.title, status: 'failed', reason: reason.split('\n').slice(0, 3).join(' ') });
        log(`${s.name}: FAILED ${reason}`);
      }
    }
    // Our servers log at warn: anything they said is worth reading (PostGraphile prints a banner).
    for (const s of servers.filter((x) => x.name !== 'postgraphile')) {
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
  const out = o.out ? path.resolve(o.out) : full ? path.join(ROOT, 'bench') : WORK;
  const report: BenchResults = {
    date: new Date().toISOString(),
    scale: o.scale,
    durationS: o.durationS,
    connections: o.connections,
    sampleN,
    machine: { ...machine(pg, safeVersion('postgraphile'), safeVersion('autocannon')), loadAverage: { start: loadStart, end: Math.round(os.loadavg()[0] * 100) / 100 } },
    data: { sizes: facts.sizes, rowCounts: facts.rowCounts, timings: facts.timings, domains: facts.domains, databaseBytes: facts.databaseBytes, rollupMismatches: facts.rollupMismatches },
    scenarios: results,
    targets: results.flatMap((r) => (r.targets ?? []).map((t) => ({ ...t, scenario: r.name }))),
    wallSeconds: (Date.now() - started) / 1000,
  };
  const files = writeResults(out, report);
  log(`results: ${path.relative(ROOT, files.markdown)}, ${path.relative(ROOT, files.json)} (${Math.round(report.wallSeconds)} s)`);
  const failed = results.filter((r) => r.status === 'failed').map((r) => r.name);
  const broken = report.targets.filter((t) => t.correctness && t.met === false).map((t) => t.scenario);
  if (failed.length || broken.length) {
    log(`FAILED: ${[...failed, ...broken.map((b) => `${b} (correctness target missed)`)].join(', ')}`);
    process.exitCode = 1;
  }
}

function safeVersion(pkg: string): string | null {
  try {
    return peerVersion(pkg);
  } catch {
    return null;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
