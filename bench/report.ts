import { FINDINGS } from './history';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Facts } from './generate';
import type { ScenarioResult, TargetCheck, Versus, VersusKey } from './scenarios';
import { versusSvg } from './chart';

export interface Machine {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  postgres: string;
  /** PostGraphile 4 (bench/peer). */
  postgraphile: string | null;
  /** PostGraphile 5 (bench/peer/v5). */
  postgraphile5?: string | null;
  autocannon: string | null;
  /** The Node 24 the PostGraphiles and our second server run on (.ci/node.sh). */
  node24?: string | null;
  os: string;
  /** 1-minute load average when the scenarios started and when they ended (other work on the machine skews req/s). */
  loadAverage?: { start: number; end: number };
}

export interface BenchResults {
  date: string;
  scale: number;
  durationS: number;
  connections: number;
  sampleN: number;
  machine: Machine;
  data: Pick<Facts, 'sizes' | 'rowCounts' | 'timings' | 'domains' | 'databaseBytes' | 'rollupMismatches'>;
  scenarios: ScenarioResult[];
  targets: (TargetCheck & { scenario: string })[];
  wallSeconds: number;
}

export function machine(
  postgres: string,
  v: { postgraphile: string | null; postgraphile5: string | null; autocannon: string | null; node24: string | null },
): Machine {
  return {
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    postgres,
    ...v,
    os: `${os.type()} ${os.release()}`,
  };
}

/** The DESIGN.md targets in its order; each filled from the scenario that measures it. */
const DESIGN_TARGETS: { match: RegExp; scenario: string; what: string; target: string }[] = [
  { match: /SQL statements per request/, scenario: 'nested-read', what: 'nested read (20 demand items, their matches, partners, community)', target: 'SQL statements per request <= 5' },
  { match: /^nested read: throughput >= PostGraphile/, scenario: 'nested-read', what: 'nested read', target: 'throughput >= PostGraphile serving the same rows' },
  { match: /200 concurrent bookSlot/, scenario: 'book-slot-contention', what: '200 concurrent `bookSlot` on one slot, two server processes', target: 'exactly 1 CONFIRMED, 199 CONFLICT, 0 other errors' },
  { match: /approve a 52-week/, scenario: 'contract-approval', what: 'approve a 52-week contract with 3 weekly slots (156 bookings)', target: '< 150 ms' },
  { match: /suggestions for one demand/, scenario: 'suggestions', what: '`suggestions` for one demand item, 100k offers in the pool', target: '< 50 ms p95' },
  { match: /serviceHoursSummary over \d+ logs: < 20 ms/, scenario: 'service-hours-summary', what: '`serviceHoursSummary` over every log of a year (1M at scale 1), every community, by partner, community, month', target: '< 20 ms p95 (sequential)' },
  { match: /serviceHoursSummary over \d+ logs: >= 300/, scenario: 'service-hours-summary', what: 'the same', target: '>= 300 req/s under 10 connections' },
  { match: /one community's summary: < 20 ms/, scenario: 'service-hours-summary-community', what: "`serviceHoursSummary` of one community's year, by partner, volunteer, month", target: '< 20 ms p95 (sequential)' },
  { match: /one community's summary: >= 300/, scenario: 'service-hours-summary-community', what: 'the same', target: '>= 300 req/s under 10 connections' },
  { match: /public board figures: < 20 ms/, scenario: 'public-figures', what: "the public board's figures", target: '< 20 ms p95 (sequential)' },
  { match: /public board figures: >= 300/, scenario: 'public-figures', what: 'the same', target: '>= 300 req/s under 10 connections' },
  { match: /cost independent of position \(bookings\)/, scenario: 'bookings-pages', what: 'any list over 1M rows, any page (bookings)', target: 'cost independent of the page position' },
  { match: /cost independent of position \(serviceLogs\)/, scenario: 'service-log-pages', what: 'any list over 1M rows, any page (service logs)', target: 'cost independent of the page position' },
];

const verdict = (met: boolean | null | undefined, notJudged?: string) =>
  notJudged ? `reported, not judged: ${notJudged}` : met === true ? 'met' : met === false ? '**not met**' : 'not measured';
const num = (x: number | null | undefined, digits = 1) => (x === undefined || x === null || !Number.isFinite(x) ? '-' : x.toFixed(digits));

export function renderMarkdown(r: BenchResults, v: VersusReport | null = versusOf(r), larger: BenchResults | null = null): string {
  const lines: string[] = [];
  const m = r.machine;
  lines.push('# Benchmark results', '');
  lines.push(`Produced by \`npm run bench${r.scale === 1 ? '' : ` -- --scale ${r.scale}`}\` (see docs/bench.md). Regenerate rather than edit.`, '');
  lines.push('## Machine and run', '');
  lines.push('| | |', '|---|---|');
  lines.push(`| date | ${r.date} |`);
  lines.push(`| CPUs (nproc) | ${m.nproc} x ${m.cpu} |`);
  lines.push(`| memory | ${m.memoryGiB} GiB |`);
  lines.push(`| OS | ${m.os} |`);
  lines.push(`| Node.js | ${m.node} |`);
  lines.push(`| PostgreSQL | ${m.postgres} |`);
  if (m.node24) lines.push(`| Node.js for the comparisons | ${m.node24} (our second server and both PostGraphiles) |`);
  if (m.postgraphile5) lines.push(`| PostGraphile 5 (peer) | ${m.postgraphile5} |`);
  lines.push(`| PostGraphile${m.postgraphile5 ? ' 4 (second peer)' : ' (peer)'} | ${m.postgraphile ?? '-'} |`);
  lines.push(`| autocannon | ${m.autocannon ?? '-'} |`);
  lines.push(`| scale | ${r.scale} |`);
  lines.push(`| load | ${r.connections} connections, ${r.durationS} s per scenario; ${r.sampleN} sequential requests per scenario for statements and unloaded latency |`);
  lines.push(`| whole run | ${Math.round(r.wallSeconds)} s |`);
  if (m.loadAverage) lines.push(`| load average (1 min) | ${m.loadAverage.start} when the scenarios started, ${m.loadAverage.end} at the end |`);
  lines.push('');

  lines.push('## DESIGN.md targets', '');
  lines.push('| what | target | measured | verdict |', '|---|---|---|---|');
  for (const t of DESIGN_TARGETS) {
    // The comparison with PostGraphile comes from the latest --versus run when there is one.
    const fromVersus = v && v.date !== r.date ? v.targets.find((x) => t.match.test(x.target)) : undefined;
    const found = fromVersus ?? r.targets.find((x) => t.match.test(x.target));
    const scenario = r.scenarios.find((s) => s.name === t.scenario);
    const measured = found
      ? `${found.measured}${fromVersus ? ` (scale ${v!.scale}, ${v!.date.slice(0, 10)}; see "Versus PostGraphile")` : ''}`
      : 'not measured in this run';
    const met = found ? found.met : null;
    const note = found ? '' : scenario?.status === 'not available yet' ? ' (not available yet)' : scenario?.status === 'failed' ? ' (scenario failed)' : '';
    lines.push(`| ${t.what} | ${t.target} | ${measured}${note} | ${verdict(met, found?.notJudged)} |`);
  }
  lines.push('');

  if (v) lines.push(...renderVersus(v));
  if (larger) lines.push(...renderScales(r, larger));

  lines.push('## Shortfalls found, and before and after their fixes', '');
  lines.push('| target | cause | fix | before | after |', '|---|---|---|---|---|');
  for (const f of FINDINGS) lines.push(`| ${f.target} | ${f.cause} | ${f.fix} | ${f.before} | ${f.after} |`);
  lines.push('');

  lines.push('## Scenarios', '');
  lines.push(
    'Load: closed loop (each connection sends its next request when the previous answer arrives). ' +
      "Unloaded latency: the same requests one at a time, from sending each to its answer's last byte (as the load counts it; the client's decoding and parsing after that are reported beside the summaries' targets). SQL = statements per request (`x-sql-statements`). Server CPU = user+system CPU time of the server process during the load divided by its requests (the PostgreSQL backends' CPU not included; less sensitive than req/s to other load on the machine). RSS = peak resident memory of the server process during the load.",
    '',
  );
  lines.push('| scenario | status | req/s | p50 ms | p95 ms | p99 ms | unloaded p50 / p95 ms | SQL | server CPU ms/req | peak RSS MiB |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const s of r.scenarios) {
    const l = s.load;
    const sm = s.sample;
    const sql = sm?.sqlStatements ? (sm.sqlStatements.min === sm.sqlStatements.max ? `${sm.sqlStatements.max}` : `${sm.sqlStatements.min}-${sm.sqlStatements.max}`) : '-';
    const rss = s.rssMb ? Object.values(s.rssMb).map((v) => String(v)).join(' / ') : '-';
    const status = s.status === 'ok' ? 'ok' : s.status === 'not available yet' ? 'not available yet' : `**failed**`;
    lines.push(
      `| ${s.name} | ${status} | ${l ? num(l.rps) : '-'} | ${num(l?.latency.p50)} | ${num(l?.latency.p95)} | ${num(l?.latency.p99)} | ${sm ? `${num(sm.latency.p50)} / ${num(sm.latency.p95)}` : '-'} | ${sql} | ${num(l?.serverCpuMsPerRequest, 2)} | ${rss} |`,
    );
    const peer = s.details?.postgraphile as { load: { rps: number; serverCpuMsPerRequest?: number; latency: { p50: number; p95: number; p99: number } }; sample: { latency: { p50: number; p95: number } }; rssMb: Record<string, number> } | undefined;
    if (peer) {
      lines.push(
        `| ${s.name} (PostGraphile) | ok | ${num(peer.load.rps)} | ${num(peer.load.latency.p50)} | ${num(peer.load.latency.p95)} | ${num(peer.load.latency.p99)} | ${num(peer.sample.latency.p50)} / ${num(peer.sample.latency.p95)} | - | ${num(peer.load.serverCpuMsPerRequest, 2)} | ${Object.values(peer.rssMb).join(' / ')} |`,
      );
    }
    const deep = s.details?.deepPage as { load: { rps: number; serverCpuMsPerRequest?: number; latency: { p50: number; p95: number; p99: number } }; sample: { latency: { p50: number; p95: number }; sqlStatements: { max: number } | null } } | undefined;
    if (deep) {
      lines.push(
        `| ${s.name} (page at 90-99%) | ok | ${num(deep.load.rps)} | ${num(deep.load.latency.p50)} | ${num(deep.load.latency.p95)} | ${num(deep.load.latency.p99)} | ${num(deep.sample.latency.p50)} / ${num(deep.sample.latency.p95)} | ${deep.sample.sqlStatements?.max ?? '-'} | ${num(deep.load.serverCpuMsPerRequest, 2)} | - |`,
      );
    }
  }
  lines.push('');
  for (const s of r.scenarios) {
    lines.push(`### ${s.name}`, '', s.title, '');
    if (s.reason) lines.push(`${s.status === 'not available yet' ? 'Not available yet' : 'Failed'}: ${s.reason}`, '');
    if (s.load && (s.load.non2xx || s.load.errors || s.load.timeouts)) {
      lines.push(`Load problems: ${s.load.non2xx} non-2xx, ${s.load.errors} errors, ${s.load.timeouts} timeouts.`, '');
    }
    for (const t of s.targets ?? []) lines.push(`- ${t.target}: ${t.measured} - ${verdict(t.met, t.notJudged)}`);
    if (s.details) {
      const shown = { ...s.details };
      delete shown.postgraphile;
      delete shown.deepPage;
      delete shown.versus;
      if (Object.keys(shown).length) lines.push('', '```json', JSON.stringify(shown, null, 1), '```');
    }
    lines.push('');
  }

  lines.push('## Data set', '');
  lines.push('| table | rows |', '|---|---|');
  for (const [t, n] of Object.entries(r.data.rowCounts)) lines.push(`| ${t} | ${n.toLocaleString('en-US')} |`);
  lines.push('');
  lines.push(`Generation (set-based SQL, seconds): ${Object.entries(r.data.timings).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}.`, '');
  if (r.data.databaseBytes) lines.push(`Database size after the load (pg_database_size): ${(r.data.databaseBytes / 2 ** 30).toFixed(2)} GiB.`, '');
  if (r.data.rollupMismatches !== undefined && r.data.rollupMismatches !== null)
    lines.push(`Service-hours rollups checked against a GROUP BY of the logs: ${r.data.rollupMismatches} rows differ.`, '');
  return lines.join('\n') + '\n';
}

/** The comparisons of one run with PostGraphile, kept apart from the full run's results (versus.json). */
export interface VersusReport {
  date: string;
  scale: number;
  durationS: number;
  connections: number;
  sampleN: number;
  machine: Machine;
  scenarios: { name: string; title: string; status: ScenarioResult['status']; reason?: string; versus?: Versus }[];
  targets: (TargetCheck & { scenario: string })[];
  wallSeconds: number;
}

/** The comparisons in a run's results; null when it compared nothing. */
export function versusOf(r: BenchResults): VersusReport | null {
  const compared = r.scenarios.filter((s) => s.details?.versus);
  if (!compared.length) return null;
  const { date, scale, durationS, connections, sampleN, machine: m, wallSeconds } = r;
  const names = new Set(compared.map((s) => s.name));
  return {
    date,
    scale,
    durationS,
    connections,
    sampleN,
    machine: m,
    wallSeconds,
    scenarios: r.scenarios
      .filter((s) => names.has(s.name) || (s.status === 'failed' && /PostGraphile|peer|rows differ/.test(s.reason ?? '')))
      .map((s) => ({ name: s.name, title: s.title, status: s.status, reason: s.reason, versus: s.details?.versus as Versus | undefined })),
    targets: r.targets.filter((t) => names.has(t.scenario) && /throughput >= PostGraphile/.test(t.target)),
  };
}

const SERVER_ORDER: VersusKey[] = ['ours24', 'ours', 'pg5', 'pg4'];

function renderVersus(v: VersusReport): string[] {
  const m = v.machine;
  const lines: string[] = ['## Versus PostGraphile', ''];
  lines.push(
    `Run: \`npm run bench -- --versus --scale ${v.scale}${v.durationS === 10 ? '' : ` --duration ${v.durationS}`}\` on ${v.date.slice(0, 16).replace('T', ' ')} UTC, ` +
      `${m.nproc} x ${m.cpu}; ${v.connections} connections; each server loaded ${v.durationS} s at a time, in turn, over alternating rounds; ` +
      `1-minute load average ${m.loadAverage?.start ?? '?'} at the start and ${m.loadAverage?.end ?? '?'} at the end` +
      (m.loadAverage && Math.max(m.loadAverage.start, m.loadAverage.end) > 1
        ? ' (the machine is shared: other work ran beside the bench, so compare the servers with each other, not with other runs)'
        : '') +
      `. PostGraphile ${m.postgraphile5 ?? '5'} (Amber preset, @graphile/simplify-inflection, connection filter, PgIndexBehaviorsPlugin disabled) and ` +
      `PostGraphile ${m.postgraphile ?? '4'} (pg-simplify-inflector, connection filter) run on Node ${m.node24 ?? '24'} with pools of 20, ` +
      `as does our server (and again on the machine's Node ${m.node}). Every request's rows are compared across the four servers before timing.`,
    '',
  );
  lines.push('![req/s of each server per scenario, and p50/p95/p99 latency under load](versus.svg)', '');
  lines.push('| scenario | server | req/s | ours on Node 24 / it | p50 ms | p95 ms | p99 ms | unloaded p50 ms | server CPU ms/req | peak RSS MiB | req/s per round |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const s of v.scenarios) {
    if (!s.versus) {
      lines.push(`| ${s.name} | - | **${s.status}**: ${(s.reason ?? '').replace(/\|/g, '/').slice(0, 300)} | | | | | | | | |`);
      continue;
    }
    const ours24 = s.versus.servers.find((x) => x.key === 'ours24')!.load.rps;
    for (const key of SERVER_ORDER) {
      const x = s.versus.servers.find((y) => y.key === key);
      if (!x) continue;
      const ratio = key === 'ours24' ? '' : x.load.rps ? `x${(ours24 / x.load.rps).toFixed(2)}` : '- (no answer within the load)';
      lines.push(
        `| ${key === 'ours24' ? s.name : ''} | ${x.label} | ${num(x.load.rps)} | ${ratio} | ${num(x.load.latency.p50)} | ${num(x.load.latency.p95)} | ${num(x.load.latency.p99)} | ${num(x.sample.latency.p50)} | ${num(x.load.serverCpuMsPerRequest, 2)} | ${x.rssMb ?? '-'} | ${x.rounds.join(' / ')} |`,
      );
    }
    for (const l of s.versus.left ?? []) lines.push(`| | ${l.label} | left out: ${l.reason.replace(/\|/g, '/').slice(0, 200)} | | | | | | | | |`);
  }
  lines.push('');
  return lines;
}

/** The run at a larger scale kept beside this one (`--out bench/scale10`), for the comparison of scales. */
export const LARGER_DIR = 'scale10';

function readLarger(dir: string, r: BenchResults): BenchResults | null {
  const file = path.join(dir, LARGER_DIR, 'results.json');
  if (!fs.existsSync(file)) return null;
  const larger = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResults;
  return larger.scale > r.scale ? larger : null;
}

/**
 * Issue #17 item 4: generation time, database size and every target at both scales, side by side
 * (targets matched by scenario and wording; a target whose wording names a size matches by
 * scenario and position).
 */
function renderScales(small: BenchResults, large: BenchResults): string[] {
  const gib = (b?: number) => (b ? `${(b / 2 ** 30).toFixed(2)} GiB` : '-');
  const rows = (r: BenchResults, t: string) => (r.data.rowCounts[t] ?? 0).toLocaleString('en-US');
  const lines = [`## Scale ${small.scale} and ${large.scale}`, ''];
  lines.push(
    `The scale ${large.scale} run: \`npm run bench -- --scale ${large.scale} --out bench/${LARGER_DIR}\` on ${large.date.slice(0, 16).replace('T', ' ')} UTC ` +
      `(its own RESULTS.md is in bench/${LARGER_DIR}/; load average ${large.machine.loadAverage?.start ?? '-'} -> ${large.machine.loadAverage?.end ?? '-'}).`,
    '',
  );
  lines.push(`| | scale ${small.scale} | scale ${large.scale} |`, '|---|---|---|');
  lines.push(`| generation, total | ${Math.round(small.data.timings.total ?? 0)} s | ${Math.round(large.data.timings.total ?? 0)} s |`);
  lines.push(`| database size | ${gib(small.data.databaseBytes)} | ${gib(large.data.databaseBytes)} |`);
  for (const t of ['booking', 'service_log', 'demand_item', 'supply_offer', 'status_change']) lines.push(`| ${t} rows | ${rows(small, t)} | ${rows(large, t)} |`);
  lines.push('');
  lines.push(`| scenario | target | scale ${small.scale} | scale ${large.scale} |`, '|---|---|---|---|');
  const verdictOf = (t?: TargetCheck) => (t ? `${t.measured} (${verdict(t.met, t.notJudged)})` : 'not measured');
  const names = [...new Set([...small.targets, ...large.targets].map((t) => t.scenario))];
  for (const name of names) {
    const a = small.targets.filter((t) => t.scenario === name);
    const b = large.targets.filter((t) => t.scenario === name);
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const at = a[i];
      const bt = b.find((t) => t.target === at?.target) ?? b[i];
      lines.push(`| ${name} | ${(at ?? bt).target} | ${verdictOf(at)} | ${verdictOf(bt)} |`);
    }
  }
  lines.push('');
  return lines;
}

/** RESULTS.md and results.json (and versus.json, versus.svg when the run compared servers) into `dir`. */
export function writeResults(dir: string, r: BenchResults): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const v = versusOf(r);
  const written = v ? writeVersusFiles(dir, v) : [];
  const markdown = path.join(dir, 'RESULTS.md');
  const json = path.join(dir, 'results.json');
  fs.writeFileSync(markdown, renderMarkdown(r, v, readLarger(dir, r)));
  fs.writeFileSync(json, JSON.stringify(r, null, 2) + '\n');
  return [markdown, json, ...written];
}

function writeVersusFiles(dir: string, v: VersusReport): string[] {
  const json = path.join(dir, 'versus.json');
  const svg = path.join(dir, 'versus.svg');
  fs.writeFileSync(json, JSON.stringify(v, null, 2) + '\n');
  fs.writeFileSync(svg, versusSvg(v));
  return [json, svg];
}

function readVersus(dir: string): VersusReport | null {
  const file = path.join(dir, 'versus.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as VersusReport) : null;
}

/** A --versus run: versus.json and versus.svg, then RESULTS.md again from the folder's results.json with them. */
export function writeVersus(dir: string, v: VersusReport): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const written = writeVersusFiles(dir, v);
  const markdown = path.join(dir, 'RESULTS.md');
  const results = path.join(dir, 'results.json');
  if (fs.existsSync(results)) {
    const r = JSON.parse(fs.readFileSync(results, 'utf8')) as BenchResults;
    fs.writeFileSync(markdown, renderMarkdown(r, v, readLarger(dir, r)));
  }
  else fs.writeFileSync(markdown, ['# Benchmark results', '', ...renderVersus(v)].join('\n'));
  return [...written, markdown];
}

/** --render: RESULTS.md again from the folder's results.json and versus.json. */
export function renderAgain(dir: string): string {
  const r = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as BenchResults;
  const v = versusOf(r) ?? readVersus(dir);
  const markdown = path.join(dir, 'RESULTS.md');
  if (v) writeVersusFiles(dir, v);
  fs.writeFileSync(markdown, renderMarkdown(r, v, readLarger(dir, r)));
  return markdown;
}
