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
import { authenticate } from '../auth/auth.service';
import type { Config } from '../config';
import type { Ctx } from '../context';
import { DEFAULT_LOCALE, type Locale } from '../i18n/locale';
import { t, type MessageId, type MessageValues } from '../i18n/messages';
import { contextLocale } from '../i18n/request';
import { requestScope } from '../db/query-counter';
import { AppError, type ErrorCode } from '../errors';
import { certificateHtml, idParam, periodFrom, serviceCertificate, serviceLogExport, type ExportRow } from './service-hours.exports';

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
  const source = await serviceLogExport(ctx, req.query, period);
  // Fail before the first byte if the database does; afterwards the stream is cut instead.
  let rows = await source.batch(null, EXPORT_BATCH);
  const zone = source.timezone;
  const csv = stringify({
    bom: true,
    header: true,
    columns: CSV_COLUMNS.map(([key, id]) => ({ key, header: t(ctx.locale, id, { zone: source.zoneLabel }) })),
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

async function serviceCertificatePage(ctx: Ctx, req: Request, res: Response) {
  const period = periodFrom(req.query);
  const certificate = await serviceCertificate(ctx, String(req.params.volunteerId), period, undefined, idParam(req.query, 'partnerId'));
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
