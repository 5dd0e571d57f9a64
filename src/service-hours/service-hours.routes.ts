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
import { DEFAULT_LOCALE } from '../i18n/locale';
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
        res.status(HTTP_STATUS[error.code] ?? 500).json({ errors: [{ message: error.message, extensions: error.extensions }] });
        return;
      }
      deps.log.error({ err: error, requestId }, 'internal error');
      res.status(500).json({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } }] });
    }
  };
}

const STATUS_LABEL: Record<string, string> = { PENDING: '待核验 PENDING', VERIFIED: '已核验 VERIFIED', REJECTED: '未通过 REJECTED' };

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
    columns: [
      { key: 'id', header: '记录编号 Log ID' },
      { key: 'community', header: '社区 Community' },
      { key: 'volunteer', header: '志愿者 Volunteer' },
      { key: 'partner', header: '合伙人 Partner' },
      { key: 'started', header: `开始时间 Started (${zone})` },
      { key: 'ended', header: `结束时间 Ended (${zone})` },
      { key: 'minutes', header: '时长（分钟） Minutes' },
      { key: 'description', header: '服务内容 Description' },
      { key: 'status', header: '状态 Status' },
      { key: 'verifier', header: '核验人 Verified by' },
      { key: 'verified', header: `核验时间 Verified at (${zone})` },
      { key: 'match_id', header: '对接编号 Match ID' },
      { key: 'contract_id', header: '契约编号 Contract ID' },
    ],
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
    status: STATUS_LABEL[r.status] ?? r.status,
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

const hoursText = (minutes: number) => `${Math.floor(minutes / 60)} 小时 ${minutes % 60} 分钟`;

/** 2026-12-01 -> 2026年12月1日 */
export const zhDate = (iso: string) => {
  const [y, m, d] = iso.split('-').map(Number);
  return `${y}年${m}月${d}日`;
};

/** The period in words: "于 A 至 B 期间", "自 A 起", "截至 B"; no period means every record up to the issue date. */
function periodWords(period: { from: string | null; to: string | null }, issuedOn: string): string {
  if (period.from && period.to) return `于 ${zhDate(period.from)} 至 ${zhDate(period.to)} 期间`;
  if (period.from) return `自 ${zhDate(period.from)} 至 ${zhDate(issuedOn)}`;
  return `截至 ${zhDate(period.to ?? issuedOn)}`;
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

export function certificateHtml(c: Certificate, issuedOn: string): string {
  const e = escapeHtml;
  const rows = c.logs
    .map(
      (l, i) => `<tr><td>${i + 1}</td><td>${e(l.started)}–${e(l.ended)}</td><td>${e(l.community)}</td><td>${e(l.partner ?? '—')}</td>` +
        `<td>${e(l.description)}</td><td class="num">${e(l.minutes)}</td><td>${e(l.verifier ?? '')} ${e(l.verified)}</td></tr>`,
    )
    .join('\n');
  return `${htmlHead(`志愿服务时长证明 - ${e(c.volunteer.displayName)}`)}
<style>${PAGE_STYLE}</style>
</head>
<body>
<h1>志愿服务时长证明</h1>
<p>兹证明 <strong>${e(c.volunteer.displayName)}</strong> ${e(periodWords(c.period, issuedOn))}参加社区志愿服务，
经所在社区核验的服务共 <strong>${c.logs.length}</strong> 次，累计 <strong>${hoursText(c.totalMinutes)}</strong>（${c.totalMinutes} 分钟）。</p>
${c.limitedTo ? `<p class="note">本证明仅包含以下社区核验的记录：${c.limitedTo.map(e).join('、')}。</p>` : ''}
${c.limitedToPartner ? `<p class="note">本证明仅包含为${e(c.limitedToPartner)}提供的服务。</p>` : ''}
<div class="scroll">
<table>
<thead><tr><th>序号</th><th>服务时间</th><th>核验社区</th><th>合伙人</th><th>服务内容</th><th>时长（分钟）</th><th>核验人及日期</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="7">该期间没有已核验的服务记录。</td></tr>'}
</tbody>
</table>
</div>
<p>开具日期：${e(zhDate(issuedOn))}</p>
<p class="note">本证明依据社区书记核验的服务记录自动生成，仅列出已核验的记录；时间为各社区当地时间。</p>
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
  res.send(certificateHtml(certificate, DateTime.fromJSDate(clockNow()).setZone('Asia/Shanghai').toISODate()!));
}

/** GET /exports/service-logs.csv and GET /certificates/service/:volunteerId, with Bearer tokens. */
export function serviceHoursRouter(deps: { db: DataSource; config: Config; log: Logger }): Router {
  const router = Router();
  router.get('/exports/service-logs.csv', endpoint(deps, exportServiceLogs));
  router.get('/certificates/service/:volunteerId', endpoint(deps, serviceCertificatePage));
  return router;
}
