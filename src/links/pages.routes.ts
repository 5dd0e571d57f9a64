import { currentLocale, DEFAULT_LOCALE, type Locale } from '../i18n/locale';
import { t, type MessageId } from '../i18n/messages';
import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { graphql, type GraphQLSchema } from 'graphql';
import { DateTime } from 'luxon';
import type { Logger } from 'pino';
import QRCode from 'qrcode';
import type { DataSource } from 'typeorm';
import { now } from '../common/clock';
import type { Config } from '../config';
import type { Ctx } from '../context';
import { requestScope } from '../db/query-counter';
import { AppError } from '../errors';
import { certificateHtml, serviceCertificate } from '../service-hours/service-hours.service';
import { openLink, PAGE_PATH, type SignedLinkRow } from './signed-links.service';
import { sendExport } from '../privacy/privacy.service';
import { escapeHtml as e, htmlHead, PAGE_STYLE, zhDate } from '../common/html';

/**
 * Pages opened from links signed by the server (`/p/<token>`): a service certificate or a
 * community's public board, as plain HTML - no script, nothing loaded from anywhere (the QR code
 * is inline SVG), readable on a phone and printable on A4.
 */

/** Nothing but the inline style (and the inline SVG) may load or run, whatever a text contains. */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function sendPage(res: Response, status: number, html: string) {
  res.status(status);
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('content-security-policy', PAGE_CSP);
  // The token is in the URL: never send it on as a Referer, never index it.
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-robots-tag', 'noindex, nofollow');
  res.setHeader('x-content-type-options', 'nosniff');
  res.send(html);
}

function messagePage(locale: Locale, title: MessageId, text: MessageId): string {
  return `${htmlHead(e(t(locale, title)), locale)}
<style>${PAGE_STYLE}</style>
</head>
<body>
<h1>${e(t(locale, title))}</h1>
<p>${e(t(locale, text))}</p>
</body>
</html>
`;
}

/** Why a link opens nothing, in the reader's language (Accept-Language, else Chinese). */
const GONE: Record<'unknown' | 'expired' | 'revoked', [number, MessageId, MessageId]> = {
  unknown: [404, 'page.unknown.title', 'page.unknown.text'],
  expired: [410, 'page.expired.title', 'page.expired.text'],
  revoked: [410, 'page.revoked.title', 'page.revoked.text'],
};

// ---------------------------------------------------------------- public board

const BOARD_QUERY = `query PublicBoardPage($c: ID!) {
  publicBoard(communityId: $c) {
    community { name district timezone }
    openDemands(first: 50) { title description quantity remainingQuantity unit urgency neededBy }
    recentlyFulfilled(first: 20) { quantity fulfilledAt partner { name } demand { title unit } }
    upcomingPublicBenefitSessions { start end purpose room { name } partner { name } }
  }
}`;

interface BoardData {
  community: { name: string; district: string | null; timezone: string };
  openDemands: { title: string; description: string | null; quantity: number; remainingQuantity: number; unit: string; urgency: string | null; neededBy: When | null }[];
  recentlyFulfilled: { quantity: number; fulfilledAt: When | null; partner: { name: string }; demand: { title: string; unit: string } }[];
  upcomingPublicBenefitSessions: { start: When; end: When; purpose: string; room: { name: string }; partner: { name: string } | null }[];
}

/** A posted notice lists the next sessions, not a season of them. */
const BOARD_SESSIONS = 12;

const URGENCY: Record<string, string> = { URGENT: '特急', HIGH: '急', NORMAL: '', LOW: '' };
const WEEKDAY = ['', '一', '二', '三', '四', '五', '六', '日'];

/** An instant as GraphQL execution hands it over: a Date (serialised later) or an ISO string. */
type When = string | Date;
const instant = (value: When, zone: string) => (value instanceof Date ? DateTime.fromJSDate(value) : DateTime.fromISO(value)).setZone(zone);

/** An instant (or a plain date) in the community's time zone, as people there write it. */
function localWhen(value: When, zone: string, withTime = true): string {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return zhDate(value);
  const t = instant(value, zone);
  return `${t.month}月${t.day}日（周${WEEKDAY[t.weekday]}）${withTime ? ' ' + t.toFormat('HH:mm') : ''}`;
}

export function boardHtml(board: BoardData, url: string, qrSvg: string, printedOn: string): string {
  const zone = board.community.timezone;
  const demands = board.openDemands
    .map(
      (d) => `<li><strong>${e(d.title)}</strong>${URGENCY[d.urgency ?? ''] ? ` <span class="tag">${URGENCY[d.urgency!]}</span>` : ''}
  <br>还需 ${e(d.remainingQuantity)} ${e(d.unit)}（共 ${e(d.quantity)} ${e(d.unit)}）${d.neededBy ? `，${e(localWhen(d.neededBy, zone, false))}前` : ''}
  ${d.description ? `<br><span class="note">${e(d.description)}</span>` : ''}</li>`,
    )
    .join('\n');
  const sessions = board.upcomingPublicBenefitSessions
    .slice(0, BOARD_SESSIONS)
    .map(
      (s) => `<li><strong>${e(localWhen(s.start, zone))}–${e(instant(s.end, zone).toFormat('HH:mm'))}</strong> ${e(s.purpose)}
  <br><span class="note">${e(s.room.name)}${s.partner ? ` · ${e(s.partner.name)}` : ''}</span></li>`,
    )
    .join('\n');
  const fulfilled = board.recentlyFulfilled
    .map(
      (m) => `<li>${e(m.partner.name)} 提供 ${e(m.demand.title)} ${e(m.quantity)} ${e(m.demand.unit)}${m.fulfilledAt ? `（${e(localWhen(m.fulfilledAt, zone, false))}）` : ''}</li>`,
    )
    .join('\n');
  return `${htmlHead(`${e(board.community.name)} 社区公告栏`)}
<style>${PAGE_STYLE}
  ul { padding-left: 1.2em; } li { margin: .5em 0; }
  .tag { display: inline-block; background: #b00; color: #fff; border-radius: .2em; padding: 0 .4em; font-size: .8em; }
  .qr { float: right; width: 9em; margin: 0 0 1em 1em; text-align: center; font-size: .8em; }
  .qr svg { width: 100%; height: auto; }
  @media (max-width: 40em) { .qr { float: none; margin: 0 auto 1em; } }
  @media print { .qr { width: 40mm; } .tag { border: 1px solid #000; color: #000; background: none; } }
</style>
</head>
<body>
<div class="qr">${qrSvg}<br>扫码查看最新公告</div>
<h1>${e(board.community.name)}<br>社区公告栏</h1>
${board.community.district ? `<p class="note">${e(board.community.district)}</p>` : ''}
<h2>社区需要</h2>
${demands ? `<ul>${demands}</ul>` : '<p>目前没有待认领的需求。</p>'}
<h2>近期公益活动</h2>
${sessions ? `<ul>${sessions}</ul>` : '<p>近期没有安排公益活动。</p>'}
<h2>感谢合伙人</h2>
${fulfilled ? `<ul>${fulfilled}</ul>` : '<p>暂无记录。</p>'}
<p class="note">时间为社区当地时间。本页内容随社区情况更新，打印于 ${e(printedOn)}。<br>${e(url)}</p>
</body>
</html>
`;
}

// ---------------------------------------------------------------- routes

interface Deps {
  db: DataSource;
  config: Config;
  log: Logger;
  schema: GraphQLSchema;
}

async function renderLink(deps: Deps, link: SignedLinkRow, url: string, res: Response) {
  const ctx: Ctx = {
    db: deps.db,
    config: deps.config,
    log: deps.log,
    requestId: requestScope.getStore()?.requestId ?? randomUUID(),
    // The page is read as nobody: the link grants this page, not its creator's rights.
    viewer: { userId: null, authError: null },
    // The board is Chinese (it is posted in the community hall); a certificate follows Accept-Language, else Chinese.
    locale: link.purpose === 'SERVICE_CERTIFICATE' ? currentLocale() : DEFAULT_LOCALE,
    loaders: new Map(),
  };
  if (link.purpose === 'PERSONAL_EXPORT') {
    await sendExport(deps.db, link.volunteer_id!, res);
    return;
  }
  const today = DateTime.fromJSDate(now()).setZone('Asia/Shanghai').toISODate()!;
  if (link.purpose === 'SERVICE_CERTIFICATE') {
    const certificate = await serviceCertificate(ctx, link.volunteer_id!, { from: link.period_from, to: link.period_to }, {
      communityIds: link.scope_community_ids,
      partnerId: link.scope_partner_id,
    });
    sendPage(res, 200, certificateHtml(certificate, today, ctx.locale));
    return;
  }
  const result = await graphql({ schema: deps.schema, source: BOARD_QUERY, variableValues: { c: link.community_id }, contextValue: ctx });
  if (result.errors?.length || !result.data) {
    const first = result.errors?.[0];
    throw first?.originalError ?? first ?? new Error('public board without data');
  }
  const board = (result.data as { publicBoard: BoardData }).publicBoard;
  const qrSvg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
  sendPage(res, 200, boardHtml(board, url, qrSvg, zhDate(DateTime.fromJSDate(now()).setZone(board.community.timezone).toISODate()!)));
}

/** GET /p/:token - the page a signed link opens, or a page saying why not (Accept-Language, else Chinese). */
export function pagesRouter(deps: Deps): Router {
  const router = Router();
  router.get(`${PAGE_PATH}:token`, async (req: Request, res: Response) => {
    const token = String(req.params.token);
    try {
      const opened = await openLink(deps, token);
      if (opened.state !== 'open') {
        const [status, title, text] = GONE[opened.state];
        res.locals.errorCode = opened.state === 'unknown' ? 'NOT_FOUND' : 'LINK_GONE';
        sendPage(res, status, messagePage(currentLocale(), title, text));
        return;
      }
      await renderLink(deps, opened.link, `${deps.config.publicUrl}${PAGE_PATH}${token}`, res);
    } catch (error) {
      if (error instanceof AppError && error.code === 'NOT_FOUND') {
        // What the link pointed at is gone (an erased account, a removed community).
        const [status, title, text] = GONE.unknown;
        res.locals.errorCode = 'NOT_FOUND';
        sendPage(res, status, messagePage(currentLocale(), title, text));
        return;
      }
      deps.log.error({ err: error, requestId: requestScope.getStore()?.requestId }, 'page failed');
      sendPage(res, 500, messagePage(currentLocale(), 'page.failed.title', 'page.failed.text'));
    }
  });
  return router;
}
