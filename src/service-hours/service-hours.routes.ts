import { now as clockNow } from '../common/clock';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { Router, type Request, type Response } from 'express';
import { DateTime } from 'luxon';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { signedIn } from '../auth/policy';
import { authenticate } from '../auth/tokens';
import type { Config } from '../config';
import type { Ctx } from '../context';
import { DEFAULT_LOCALE, type Locale } from '../i18n/locale';
import { t, type MessageId, type MessageValues } from '../i18n/messages';
import { contextLocale } from '../i18n/request';
import { requestScope } from '../db/query-counter';
import { AppError, type ErrorCode } from '../errors';
import { periodFrom, serviceCertificate, serviceLogExport, type Certificate, type ExportRow } from './service-hours.exports';
import { htmlHead } from '../common/html';

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_STATE: 409,
  RATE_LIMITED: 429,
};

type Handler = (ctx: Ctx, req: Request, res: Response) => Promise<void>;

/**
 * A plain HTTP endpoint for signed-in users with the GraphQL request's context (same bearer token,
 * same policy checks). Refusals answer JSON `{ errors: [{ message, extensions }] }` like GraphQL does.
 */
function endpoint(deps: { db: DataSource; config: Config; log: Logger }, handler: Handler) {
  return async (req: Request, res: Response) => {
    const requestId = requestScope.getStore()?.requestId ?? randomUUID();
    const ctx: Ctx = { ...deps, requestId, viewer: { userId: null, authError: null }, locale: DEFAULT_LOCALE, loaders: new Map() };
    try {
      ctx.viewer = await authenticate(deps.db, deps.config, req.header('authorization'));
      ctx.locale = await contextLocale(deps.db, ctx.viewer.userId, res);
      signedIn(ctx);
      await handler(ctx, req, res);
    } catch (error) {
      if (res.headersSent) {
        // Mid-stream: the status is gone; cut the download so it cannot pass for complete.
        deps.log.error({ err: error, requestId }, 'export failed mid-stream');
        res.destroy(error as Error);
        return;
      }
      if (error instanceof AppError) {
        res.status(HTTP_STATUS[error.code] ?? 500).json({ errors: [error.localized(ctx.locale)] });
        return;
      }
      deps.log.error({ err: error, requestId }, 'internal error');
      res.status(500).json({ errors: [{ message: t(ctx.locale, 'error.internal'), extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } }] });
    }
  };
}

/** The export's columns and their headers, in the reader's language (zh-CN keeps the English name after the Chinese one). */
const CSV_COLUMNS: [keyof ExportRow, MessageId][] = [
  ['id', 'csv.id'],
  ['community', 'csv.community'],
  ['volunteer', 'csv.volunteer'],
  ['partner', 'csv.partner'],
  ['started', 'csv.started'],
  ['ended', 'csv.ended'],
  ['minutes', 'csv.minutes'],
  ['description', 'csv.description'],
  ['status', 'csv.status'],
  ['verifier', 'csv.verifier'],
  ['verified', 'csv.verified'],
  ['match_id', 'csv.matchId'],
  ['contract_id', 'csv.contractId'],
];

/** Text a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is shown as text instead. */
const cell = (s: string | null) => (s && /^[=+\-@\t\r]/.test(s) ? `'${s}` : (s ?? ''));

export const EXPORT_BATCH = 1000;

async function exportServiceLogs(ctx: Ctx, req: Request, res: Response) {
  const period = periodFrom(req.query);
  const source = await serviceLogExport(ctx, req.query.communityId, period);
  // Fail before the first byte if the database does; afterwards the stream is cut instead.
  let rows = await source.batch(null, EXPORT_BATCH);
  const zone = source.timezone;
  const csv = stringify({
    bom: true,
    header: true,
    columns: CSV_COLUMNS.map(([key, id]) => ({ key, header: t(ctx.locale, id, { zone }) })),
  });
  const name = `service-logs_${period.from ?? 'start'}_${period.to ?? DateTime.fromJSDate(clockNow()).setZone(zone).toISODate()}.csv`;
  res.status(200);
  res.setHeader('content-type', 'text/csv; charset=utf-8');
  res.setHeader('content-disposition', `attachment; filename="${name}"`);
  res.setHeader('cache-control', 'no-store');
  // Settles once the last byte is out or the client went away; its failure is read at the end.
  const sent = pipeline(csv, res).then(() => null, (error: unknown) => error);
  let closed = false;
  const gone = new Promise((resolve) => res.once('close', () => resolve((closed = true))));
  const record = (r: ExportRow) => ({
    ...r,
    community: cell(r.community),
    volunteer: cell(r.volunteer),
    partner: cell(r.partner),
    description: cell(r.description),
    verifier: cell(r.verifier),
    status: t(ctx.locale, 'csv.statusValue', { status: r.status }),
  });
  try {
    while (rows.length && !closed) {
      for (const row of rows) {
        // Wait while the client reads slower than the database answers.
        if (!csv.write(record(row))) await Promise.race([once(csv, 'drain'), gone]);
        if (closed) break;
      }
      const last = rows[rows.length - 1];
      rows = rows.length < EXPORT_BATCH ? [] : await source.batch({ startedAt: last.started_at, id: last.id }, EXPORT_BATCH);
    }
  } catch (error) {
    csv.destroy(error as Error);
    await sent;
    throw error;
  }
  csv.end();
  const failure = await sent;
  // A client that went away mid-download is not a server error.
  if (failure && !closed) throw failure;
}

export const escapeHtml = (s: string | number | null | undefined) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** 2026-12-01 -> 2026年12月1日 */
export const zhDate = (iso: string) => {
  const [y, m, d] = iso.split('-').map(Number);
  return `${y}年${m}月${d}日`;
};

/** The period's select and dates for 'certificate.body': "于 A 至 B 期间", "自 A 至 今天", "截至 B"; no period means every record up to the issue date. */
function periodValues(period: { from: string | null; to: string | null }, issuedOn: string): MessageValues {
  const day = (iso: string) => ({ day: iso });
  if (period.from && period.to) return { period: 'between', from: day(period.from), to: day(period.to) };
  if (period.from) return { period: 'since', from: day(period.from), to: day(issuedOn) };
  return { period: 'upTo', from: '', to: day(period.to ?? issuedOn) };
}

/** Inline style shared by the printable pages: readable on a phone, one A4 sheet per page in print. */
export const PAGE_STYLE = `
  :root { color-scheme: light; }
  * { box-sizing: border-box; }
  body { font-family: "Noto Serif SC", "Songti SC", SimSun, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", serif; max-width: 60em; margin: 0 auto; padding: 1.2em; color: #222; line-height: 1.6; }
  h1 { text-align: center; letter-spacing: .3em; font-size: 1.6em; }
  .scroll { overflow-x: auto; }
  table { width: 100%; border-collapse: collapse; font-size: .9em; }
  th, td { border: 1px solid #999; padding: .3em .5em; text-align: left; vertical-align: top; }
  td.num { text-align: right; }
  .note { color: #555; font-size: .85em; }
  @media (max-width: 40em) { body { padding: .6em; font-size: 15px; } h1 { letter-spacing: .1em; } th, td { padding: .25em .3em; } }
  @page { size: A4; margin: 18mm 15mm; }
  @media print { body { max-width: none; padding: 0; font-size: 11pt; } .note { color: #000; } .scroll { overflow: visible; } tr { break-inside: avoid; } .no-print { display: none; } }
`;

/**
 * The certificate page in `locale` (Chinese by default). Catalogue texts hold no markup; the values
 * put into them are escaped here, some wrapped in <strong>.
 */
export function certificateHtml(c: Certificate, issuedOn: string, locale: Locale = DEFAULT_LOCALE): string {
  const e = escapeHtml;
  const tt = (id: MessageId, values?: MessageValues) => t(locale, id, values);
  const strong = (s: string) => `<strong>${e(s)}</strong>`;
  const ended = (s: string) => (s.startsWith('次日 ') ? tt('certificate.nextDay', { time: s.slice(3) }) : s);
  const rows = c.logs
    .map(
      (l, i) => `<tr><td>${i + 1}</td><td>${e(l.started)}–${e(ended(l.ended))}</td><td>${e(l.community)}</td><td>${e(l.partner ?? '—')}</td>` +
        `<td>${e(l.description)}</td><td class="num">${e(l.minutes)}</td><td>${e(l.verifier ?? '')} ${e(l.verified)}</td></tr>`,
    )
    .join('\n');
  const body = tt('certificate.body', {
    name: strong(c.volunteer.displayName),
    ...periodValues(c.period, issuedOn),
    count: c.logs.length,
    countText: strong(String(c.logs.length)),
    duration: strong(tt('certificate.duration', { hours: Math.floor(c.totalMinutes / 60), minutes: c.totalMinutes % 60 })),
    total: c.totalMinutes,
  });
  const cols = (['number', 'when', 'community', 'partner', 'description', 'minutes', 'verified'] as const).map((k) => `<th>${e(tt(`certificate.col.${k}`))}</th>`).join('');
  return `${htmlHead(e(tt('certificate.pageTitle', { name: c.volunteer.displayName })), locale)}
<style>${PAGE_STYLE}</style>
</head>
<body>
<h1>${e(tt('certificate.title'))}</h1>
<p>${body}</p>
${c.limitedTo ? `<p class="note">${tt('certificate.limitedTo', { communities: { list: c.limitedTo.map((n) => e(n)) } })}</p>` : ''}
${c.limitedToPartner ? `<p class="note">${tt('certificate.limitedToPartner', { partner: e(c.limitedToPartner) })}</p>` : ''}
<div class="scroll">
<table>
<thead><tr>${cols}</tr></thead>
<tbody>
${rows || `<tr><td colspan="7">${e(tt('certificate.none'))}</td></tr>`}
</tbody>
</table>
</div>
<p>${e(tt('certificate.issuedOn', { date: { day: issuedOn } }))}</p>
<p class="note">${e(tt('certificate.note'))}</p>
</body>
</html>
`;
}

async function serviceCertificatePage(ctx: Ctx, req: Request, res: Response) {
  const period = periodFrom(req.query);
  const certificate = await serviceCertificate(ctx, String(req.params.volunteerId), period);
  res.status(200);
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  // Nothing but the inline style may run or load, whatever a description contains.
  res.setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
  res.setHeader('x-content-type-options', 'nosniff');
  res.send(certificateHtml(certificate, DateTime.fromJSDate(clockNow()).setZone('Asia/Shanghai').toISODate()!, ctx.locale));
}

/** GET /exports/service-logs.csv and GET /certificates/service/:volunteerId, with Bearer tokens. */
export function serviceHoursRouter(deps: { db: DataSource; config: Config; log: Logger }): Router {
  const router = Router();
  router.get('/exports/service-logs.csv', endpoint(deps, exportServiceLogs));
  router.get('/certificates/service/:volunteerId', endpoint(deps, serviceCertificatePage));
  return router;
}
