import type { VersusReport } from './report';
import type { VersusKey } from './scenarios';

/**
 * The comparison as one SVG, drawn by hand (no charting dependency): requests per second of each
 * server per scenario, then p50/p95/p99 latency under load. Regenerated with the numbers.
 */
const COLORS: Record<VersusKey, string> = { ours24: '#1f5fa8', ours: '#8fb8e0', pg5: '#c0392b', pg4: '#f0a59c' };
const ORDER: VersusKey[] = ['ours24', 'ours', 'pg5', 'pg4'];
const WIDTH = 960;
const PANEL = 300;
const LEFT = 64;
const RIGHT = 16;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (x: number | null) => (x === null || !Number.isFinite(x) ? '-' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** A round axis maximum at or above `max` (a few steps per power of ten). */
function niceMax(max: number): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((f) => f * p).find((x) => x >= max)!;
}

function axis(out: string[], top: number, height: number, max: number, unit: string) {
  for (let i = 0; i <= 5; i++) {
    const y = top + height - (height * i) / 5;
    out.push(`<line x1="${LEFT}" y1="${y}" x2="${WIDTH - RIGHT}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${LEFT - 6}" y="${y + 4}" text-anchor="end" class="tick">${Number(((max * i) / 5).toPrecision(3))}</text>`);
  }
  out.push(`<text x="14" y="${top + height / 2}" transform="rotate(-90 14 ${top + height / 2})" text-anchor="middle" class="tick">${esc(unit)}</text>`);
}

export function versusSvg(v: VersusReport): string {
  const scenarios = v.scenarios.filter((s) => s.versus);
  const labels = new Map<VersusKey, string>();
  for (const s of scenarios) for (const x of s.versus!.servers) labels.set(x.key, x.label);
  const keys = ORDER.filter((k) => labels.has(k));
  const groupW = (WIDTH - LEFT - RIGHT) / Math.max(1, scenarios.length);
  const out: string[] = [];
  const height = 60 + PANEL + 70 + PANEL + 60;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif">`);
  out.push('<style>.tick{font-size:11px;fill:#555}.title{font-size:15px;font-weight:bold}.label{font-size:12px}.value{font-size:10px;fill:#333}</style>');
  out.push(`<rect width="${WIDTH}" height="${height}" fill="#fff"/>`);
  out.push(
    `<text x="${LEFT}" y="22" class="title">Requests per second, 10 connections (higher is better) - scale ${v.scale}, ${esc(v.date.slice(0, 10))}, load average ${v.machine.loadAverage?.start ?? '?'}-${v.machine.loadAverage?.end ?? '?'}</text>`,
  );
  // Legend.
  let lx = LEFT;
  for (const k of keys) {
    out.push(`<rect x="${lx}" y="34" width="12" height="12" fill="${COLORS[k]}"/><text x="${lx + 16}" y="44" class="label">${esc(labels.get(k)!)}</text>`);
    lx += 24 + labels.get(k)!.length * 6.6;
  }

  // Panel 1: req/s.
  const top1 = 60;
  const maxRps = niceMax(Math.max(...scenarios.flatMap((s) => s.versus!.servers.map((x) => x.load.rps))));
  axis(out, top1, PANEL, maxRps, 'req/s');
  scenarios.forEach((s, i) => {
    const x0 = LEFT + i * groupW;
    const barW = Math.min(48, (groupW - 30) / keys.length);
    const start = x0 + (groupW - barW * keys.length) / 2;
    keys.forEach((k, j) => {
      const run = s.versus!.servers.find((x) => x.key === k);
      if (!run) return;
      const h = (PANEL * run.load.rps) / maxRps;
      const x = start + j * barW;
      out.push(`<rect x="${x + 2}" y="${top1 + PANEL - h}" width="${barW - 4}" height="${h}" fill="${COLORS[k]}"><title>${esc(`${s.name}, ${run.label}: ${run.load.rps} req/s`)}</title></rect>`);
      out.push(`<text x="${x + barW / 2}" y="${top1 + PANEL - h - 4}" text-anchor="middle" class="value">${fmt(run.load.rps)}</text>`);
    });
    const ratio = s.versus!.ratios.pg5;
    out.push(`<text x="${x0 + groupW / 2}" y="${top1 + PANEL + 18}" text-anchor="middle" class="label">${esc(s.name)}</text>`);
    out.push(`<text x="${x0 + groupW / 2}" y="${top1 + PANEL + 33}" text-anchor="middle" class="tick">ours/PostGraphile 5: x${ratio}</text>`);
  });

  // Panel 2: latency percentiles under load; per server three bars, p50 (full colour), p95, p99 (paler).
  const top2 = top1 + PANEL + 70;
  out.push(`<text x="${LEFT}" y="${top2 - 14}" class="title">Latency under load, ms (lower is better): p50 / p95 / p99 of each server</text>`);
  const maxMs = niceMax(Math.max(...scenarios.flatMap((s) => s.versus!.servers.map((x) => x.load.latency.p99)).filter(Number.isFinite)));
  axis(out, top2, PANEL, maxMs, 'ms');
  const opacity = [1, 0.65, 0.35];
  scenarios.forEach((s, i) => {
    const x0 = LEFT + i * groupW;
    const clusterW = Math.min(60, (groupW - 30) / keys.length);
    const start = x0 + (groupW - clusterW * keys.length) / 2;
    keys.forEach((k, j) => {
      const run = s.versus!.servers.find((x) => x.key === k);
      if (!run) return;
      const values = [run.load.latency.p50, run.load.latency.p95, run.load.latency.p99];
      const barW = (clusterW - 4) / 3;
      values.forEach((ms, q) => {
        if (!Number.isFinite(ms)) return;
        const h = (PANEL * Math.min(ms, maxMs)) / maxMs;
        const x = start + j * clusterW + 2 + q * barW;
        out.push(
          `<rect x="${x}" y="${top2 + PANEL - h}" width="${barW - 1}" height="${h}" fill="${COLORS[k]}" fill-opacity="${opacity[q]}"><title>${esc(`${s.name}, ${run.label}: p${[50, 95, 99][q]} ${ms} ms`)}</title></rect>`,
        );
      });
      // A server that answered nothing within the load has no percentiles: no bar, no label.
      if (Number.isFinite(values[2])) out.push(`<text x="${start + j * clusterW + clusterW / 2}" y="${top2 + PANEL - (PANEL * Math.min(values[2], maxMs)) / maxMs - 4}" text-anchor="middle" class="value">${fmt(values[2])}</text>`);
    });
    out.push(`<text x="${x0 + groupW / 2}" y="${top2 + PANEL + 18}" text-anchor="middle" class="label">${esc(s.name)}</text>`);
  });
  out.push(`<text x="${LEFT}" y="${top2 + PANEL + 44}" class="tick">Bars per server: p50, p95, p99 (paler); the number above is p99. Drawn by bench/chart.ts from versus.json.</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
