import { FINDINGS } from './history';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Facts } from './generate';
import type { ScenarioResult, TargetCheck } from './scenarios';

export interface Machine {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  postgres: string;
  postgraphile: string | null;
  autocannon: string | null;
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

export function machine(postgres: string, postgraphile: string | null, autocannon: string | null): Machine {
  return {
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    postgres,
    postgraphile,
    autocannon,
    os: `${os.type()} ${os.release()}`,
  };
}

/** The DESIGN.md targets in its order; each filled from the scenario that measures it. */
const DESIGN_TARGETS: { match: RegExp; scenario: string; what: string; target: string }[] = [
  { match: /SQL statements per request/, scenario: 'nested-read', what: 'nested read (20 demand items, their matches, partners, community)', target: 'SQL statements per request <= 5' },
  { match: /throughput >= PostGraphile/, scenario: 'nested-read', what: 'nested read', target: 'throughput >= PostGraphile serving the same rows' },
  { match: /200 concurrent bookSlot/, scenario: 'book-slot-contention', what: '200 concurrent `bookSlot` on one slot, two server processes', target: 'exactly 1 CONFIRMED, 199 CONFLICT, 0 other errors' },
  { match: /approve a 52-week/, scenario: 'contract-approval', what: 'approve a 52-week contract with 3 weekly slots (156 bookings)', target: '< 150 ms' },
  { match: /suggestions for one demand/, scenario: 'suggestions', what: '`suggestions` for one demand item, 100k offers in the pool', target: '< 50 ms p95' },
  { match: /serviceHoursSummary over 1M/, scenario: 'service-hours-summary', what: '`serviceHoursSummary` over 1M logs', target: '< 300 ms' },
  { match: /cost independent of position \(bookings\)/, scenario: 'bookings-pages', what: 'any list over 1M rows, any page (bookings)', target: 'cost independent of the page position' },
  { match: /cost independent of position \(serviceLogs\)/, scenario: 'service-log-pages', what: 'any list over 1M rows, any page (service logs)', target: 'cost independent of the page position' },
];

const verdict = (met: boolean | null | undefined) => (met === true ? 'met' : met === false ? '**not met**' : 'not measured');
const num = (x: number | undefined, digits = 1) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));

export function renderMarkdown(r: BenchResults): string {
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
  lines.push(`| PostGraphile (peer) | ${m.postgraphile ?? '-'} |`);
  lines.push(`| autocannon | ${m.autocannon ?? '-'} |`);
  lines.push(`| scale | ${r.scale} |`);
  lines.push(`| load | ${r.connections} connections, ${r.durationS} s per scenario; ${r.sampleN} sequential requests per scenario for statements and unloaded latency |`);
  lines.push(`| whole run | ${Math.round(r.wallSeconds)} s |`);
  if (m.loadAverage) lines.push(`| load average (1 min) | ${m.loadAverage.start} when the scenarios started, ${m.loadAverage.end} at the end |`);
  lines.push('');

  lines.push('## DESIGN.md targets', '');
  lines.push('| what | target | measured | verdict |', '|---|---|---|---|');
  for (const t of DESIGN_TARGETS) {
    const found = r.targets.find((x) => t.match.test(x.target));
    const scenario = r.scenarios.find((s) => s.name === t.scenario);
    const measured = found ? found.measured : 'not measured in this run';
    const met = found ? found.met : null;
    const note = found ? '' : scenario?.status === 'not available yet' ? ' (not available yet)' : scenario?.status === 'failed' ? ' (scenario failed)' : '';
    lines.push(`| ${t.what} | ${t.target} | ${measured}${note} | ${verdict(met)} |`);
  }
  lines.push('');

  lines.push('## Shortfalls found, and before and after their fixes', '');
  lines.push('| target | cause | fix | before | after |', '|---|---|---|---|---|');
  for (const f of FINDINGS) lines.push(`| ${f.target} | ${f.cause} | ${f.fix} | ${f.before} | ${f.after} |`);
  lines.push('');

  lines.push('## Scenarios', '');
  lines.push(
    'Load: closed loop (each connection sends its next request when the previous answer arrives). ' +
      "Unloaded latency: the same requests one at a time. SQL = statements per request (`x-sql-statements`). Server CPU = user+system CPU time of the server process during the load divided by its requests (the PostgreSQL backends' CPU not included; less sensitive than req/s to other load on the machine). RSS = peak resident memory of the server process during the load.",
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
    for (const t of s.targets ?? []) lines.push(`- ${t.target}: ${t.measured} - ${verdict(t.met)}`);
    if (s.details) {
      const shown = { ...s.details };
      delete shown.postgraphile;
      delete shown.deepPage;
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

export function writeResults(dir: string, r: BenchResults): { markdown: string; json: string } {
  fs.mkdirSync(dir, { recursive: true });
  const markdown = path.join(dir, 'RESULTS.md');
  const json = path.join(dir, 'results.json');
  fs.writeFileSync(markdown, renderMarkdown(r));
  fs.writeFileSync(json, JSON.stringify(r, null, 2) + '\n');
  return { markdown, json };
}
