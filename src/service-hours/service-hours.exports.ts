import { DateTime } from 'luxon';
import { heavyRead } from '../common/heavy-read';
import { requireSecretary } from '../auth/policy';
import { ownerCertificatePartner, requirePartnerOwner, serviceCertificateScope } from './service-hours.policy';
import { escapeHtml, htmlHead, PAGE_STYLE } from '../common/html';
import { DEFAULT_LOCALE, type Locale } from '../i18n/locale';
import { t, type MessageId, type MessageValues } from '../i18n/messages';
import { byId } from '../common/loaders';
import { localDateProblem } from '../common/input-guard';
import { LOCAL_DATE_PATTERN } from '../common/scalars';
import { findCommunity } from '../communities/communities.service';
import { DEFAULT_TIMEZONE } from '../communities/zones.service';
import type { Ctx } from '../context';
import { BadUserInputError, ForbiddenError, NotFoundError } from '../errors';
import { User } from '../users/user.entity';
import { isUuid } from '../common/ids';
import { msg } from '../i18n/messages';

/** Inclusive local dates; either end open. */
export interface DatePeriod {
  from: string | null;
  to: string | null;
}

/** Reads `from`/`to` query parameters as local dates YYYY-MM-DD (inclusive). */
export function periodFrom(query: Record<string, unknown>): DatePeriod {
  const read = (name: 'from' | 'to') => {
    const value = query[name];
    if (value === undefined || value === '') return null;
    if (typeof value !== 'string' || !LOCAL_DATE_PATTERN.test(value) || !DateTime.fromISO(value).isValid) {
      throw BadUserInputError.field(name, msg('field.oneDate'));
    }
    const outOfRange = localDateProblem(value);
    if (outOfRange) throw BadUserInputError.field(name, outOfRange);
    return value;
  };
  const period = { from: read('from'), to: read('to') };
  if (period.from && period.to && period.from > period.to) throw BadUserInputError.field('to', msg('field.mustNotBeBefore', { other: 'from' }));
  return period;
}

// ---------------------------------------------------------------- CSV export

export interface ExportRow {
  id: string;
  community: string;
  volunteer: string;
  partner: string | null;
  started: string;
  ended: string;
  minutes: number;
  description: string;
  status: string;
  verifier: string | null;
  verified: string | null;
  match_id: string | null;
  contract_id: string | null;
  /** Keyset position. */
  started_at: Date;
}

export interface ExportSource {
  /** The zone the times are in, for the headers: the community's, or the words for "each community's own". */
  zoneLabel: string;
  /** The zone of the file name's default end date. */
  timezone: string;
  /** Rows in (started_at, id) order after the given position, at most `limit`. */
  batch(after: { startedAt: Date; id: string } | null, limit: number): Promise<ExportRow[]>;
}

/** One query parameter holding one id: null when absent; BAD_USER_INPUT when given more than once. */
export function idParam(query: Record<string, unknown>, name: 'communityId' | 'partnerId'): string | null {
  const value = query[name];
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string') throw BadUserInputError.field(name, msg('field.givenOnce'));
  return value;
}

/**
 * The service logs that started in the period, for an export, read in keyset batches, so an
 * export of any size holds one batch in memory and no connection between batches (on embedded
 * PGlite other requests keep going):
 * - `communityId`: that community's logs, for its secretaries (local dates in its time zone);
 * - `partnerId`: that partner's logs in every community, for its owners (issue #16), each log's
 *   dates and times in its own community's zone.
 */
export async function serviceLogExport(ctx: Ctx, query: Record<string, unknown>, period: DatePeriod): Promise<ExportSource> {
  const communityId = idParam(query, 'communityId');
  const partnerId = idParam(query, 'partnerId');
  if (communityId && partnerId) throw BadUserInputError.field('partnerId', msg('export.communityOrPartner'));
  if (partnerId) return partnerExport(ctx, partnerId, period);
  if (!communityId) throw BadUserInputError.field('communityId', msg('field.required'));
  if (!isUuid(communityId)) throw new NotFoundError('community', communityId, 'communityId');
  const community = await findCommunity(ctx, communityId, 'communityId');
  await requireSecretary(ctx, communityId);
  const zone = community.timezone;
  // An open end is no bound at all (null), not an extreme instant: PGlite refuses year 275760.
  const from = period.from ? DateTime.fromISO(period.from, { zone }).toJSDate() : null;
  const to = period.to ? DateTime.fromISO(period.to, { zone }).plus({ days: 1 }).toJSDate() : null;
  return {
    zoneLabel: zone,
    timezone: zone,
    batch: (after, limit) => exportBatch(ctx, { column: 's.community_id', id: communityId, from, to, localFrom: null, localTo: null }, after, limit),
  };
}

/** Time zones span UTC-12..UTC+14: local dates widened by this much are instant bounds that hold every zone's day. */
const WIDEST_OFFSET_MS = 14 * 3_600_000;

async function partnerExport(ctx: Ctx, partnerId: string, period: DatePeriod): Promise<ExportSource> {
  if (!isUuid(partnerId)) throw new NotFoundError('partner', partnerId, 'partnerId');
  const [partner] = await ctx.db.query(`SELECT 1 FROM partner WHERE id = $1`, [partnerId]);
  if (!partner) throw new NotFoundError('partner', partnerId, 'partnerId');
  await requirePartnerOwner(ctx, partnerId);
  // The zones of the communities the partner logs in (its partnerships): one of them names the headers.
  const zones: { timezone: string }[] = await ctx.db.query(
    `SELECT DISTINCT c.timezone FROM partnership ps JOIN community c ON c.id = ps.community_id WHERE ps.partner_id = $1 ORDER BY 1`,
    [partnerId],
  );
  const zone = zones.length === 1 ? zones[0].timezone : DEFAULT_TIMEZONE;
  // Instant bounds for the index, the exact local dates per log's community.
  const from = period.from ? new Date(DateTime.fromISO(period.from, { zone: 'UTC' }).toMillis() - WIDEST_OFFSET_MS) : null;
  const to = period.to ? new Date(DateTime.fromISO(period.to, { zone: 'UTC' }).plus({ days: 1 }).toMillis() + WIDEST_OFFSET_MS) : null;
  return {
    zoneLabel: zones.length > 1 ? t(ctx.locale, 'csv.eachCommunityZone') : zone,
    timezone: zone,
    batch: (after, limit) => exportBatch(ctx, { column: 's.partner_id', id: partnerId, from, to, localFrom: period.from, localTo: period.to }, after, limit),
  };
}

interface ExportFilter {
  column: 's.community_id' | 's.partner_id';
  id: string;
  /** Instant bounds of started_at. */
  from: Date | null;
  to: Date | null;
  /** Local dates of started_at in each log's community's zone (inclusive). */
  localFrom: string | null;
  localTo: string | null;
}

function exportBatch(ctx: Ctx, f: ExportFilter, after: { startedAt: Date; id: string } | null, limit: number): Promise<ExportRow[]> {
  return heavyRead(ctx, (c) => c.db.query(
    `SELECT s.id, c.name AS community, u.display_name AS volunteer, p.name AS partner,
            to_char(s.started_at AT TIME ZONE c.timezone, 'YYYY-MM-DD HH24:MI') AS started,
            to_char(s.ended_at AT TIME ZONE c.timezone, 'YYYY-MM-DD HH24:MI') AS ended,
            s.minutes, s.description, s.status, v.display_name AS verifier,
            to_char(s.verified_at AT TIME ZONE c.timezone, 'YYYY-MM-DD HH24:MI') AS verified,
            s.match_id, s.contract_id, s.started_at
       FROM service_log s
       JOIN community c ON c.id = s.community_id
       JOIN app_user u ON u.id = s.volunteer_id
       LEFT JOIN partner p ON p.id = s.partner_id
       LEFT JOIN app_user v ON v.id = s.verified_by_id
      WHERE ${f.column} = $1
        AND ($2::timestamptz IS NULL OR s.started_at >= $2) AND ($3::timestamptz IS NULL OR s.started_at < $3)
        AND ($4::date IS NULL OR (s.started_at AT TIME ZONE c.timezone)::date >= $4)
        AND ($5::date IS NULL OR (s.started_at AT TIME ZONE c.timezone)::date <= $5)
        AND ($6::timestamptz IS NULL OR (s.started_at, s.id) > ($6, $7::uuid))
      ORDER BY s.started_at, s.id
      LIMIT $8`,
    [f.id, f.from, f.to, f.localFrom, f.localTo, after?.startedAt ?? null, after?.id ?? null, limit],
  ));
}

// ---------------------------------------------------------------- certificate

export interface CertificateLog {
  id: string;
  community: string;
  partner: string | null;
  started: string;
  ended: string;
  minutes: number;
  description: string;
  verifier: string | null;
  verified: string;
}

export interface Certificate {
  volunteer: User;
  period: DatePeriod;
  logs: CertificateLog[];
  totalMinutes: number;
  /** Names of the communities the viewer's view is limited to (a secretary's), or null for all. */
  limitedTo: string[] | null;
  /** The partner whose logs alone are shown (a certificate linked by a partner owner), or null. */
  limitedToPartner?: string | null;
}

/** A view fixed when a signed link was created (links/), instead of the viewer's roles. */
export interface CertificateScope {
  communityIds: string[] | null;
  partnerId: string | null;
}

export const CERTIFICATE_MAX_LOGS = 5000;

/**
 * What the viewer's certificate of a volunteer shows: with `partnerId` that partner's logs (its
 * owners); otherwise every community's (the volunteer, admins), a secretary's communities', or
 * else the logs of a partner the viewer owns and the volunteer belongs to.
 */
async function viewerCertificateScope(ctx: Ctx, volunteerId: string, partnerId: string | null): Promise<{ scope: Set<string> | null; partnerId: string | null }> {
  if (partnerId !== null) {
    if (!isUuid(partnerId)) throw new NotFoundError('partner', partnerId, 'partnerId');
    return { scope: null, partnerId: await ownerCertificatePartner(ctx, volunteerId, partnerId) };
  }
  const scope = await serviceCertificateScope(ctx, volunteerId).catch((error: Error) => error);
  if (!(scope instanceof Error)) return { scope, partnerId: null };
  const owned = scope instanceof ForbiddenError ? await ownerCertificatePartner(ctx, volunteerId, null) : null;
  if (!owned) throw scope instanceof ForbiddenError ? new ForbiddenError(msg('policy.certificateOrOwner')) : scope;
  return { scope: null, partnerId: owned };
}

/**
 * A volunteer's VERIFIED service in the period (local dates in each log's community zone), oldest
 * first. The volunteer and admins see every community's logs; a secretary only their communities';
 * an owner of a partner the volunteer belongs to only that partner's (`viewerCertificateScope`).
 */
export async function serviceCertificate(
  ctx: Ctx,
  volunteerId: string,
  period: DatePeriod,
  fixed?: CertificateScope,
  askedPartnerId: string | null = null,
): Promise<Certificate> {
  if (!isUuid(volunteerId)) throw new NotFoundError('volunteer', volunteerId, 'volunteerId');
  const volunteer = await byId(ctx, User).load(volunteerId);
  if (!volunteer) throw new NotFoundError('volunteer', volunteerId, 'volunteerId');
  const { scope, partnerId } = fixed
    ? { scope: fixed.communityIds ? new Set(fixed.communityIds) : null, partnerId: fixed.partnerId }
    : await viewerCertificateScope(ctx, volunteerId, askedPartnerId);
  const logs: CertificateLog[] = await ctx.db.query(
    `SELECT s.id, c.name AS community, p.name AS partner,
            to_char(s.started_at AT TIME ZONE c.timezone, 'YYYY-MM-DD HH24:MI') AS started,
            CASE WHEN (s.ended_at AT TIME ZONE c.timezone)::date > (s.started_at AT TIME ZONE c.timezone)::date THEN '次日 ' ELSE '' END
              || to_char(s.ended_at AT TIME ZONE c.timezone, 'HH24:MI') AS ended,
            s.minutes, s.description, v.display_name AS verifier,
            to_char(s.verified_at AT TIME ZONE c.timezone, 'YYYY-MM-DD') AS verified
       FROM service_log s
       JOIN community c ON c.id = s.community_id
       LEFT JOIN partner p ON p.id = s.partner_id
       LEFT JOIN app_user v ON v.id = s.verified_by_id
      WHERE s.volunteer_id = $1 AND s.status = 'VERIFIED'
        AND ($2::uuid[] IS NULL OR s.community_id = ANY($2))
        AND ($3::date IS NULL OR (s.started_at AT TIME ZONE c.timezone)::date >= $3)
        AND ($4::date IS NULL OR (s.started_at AT TIME ZONE c.timezone)::date <= $4)
        AND ($5::uuid IS NULL OR s.partner_id = $5)
      ORDER BY s.started_at, s.id
      LIMIT ${CERTIFICATE_MAX_LOGS + 1}`,
    [volunteerId, scope ? [...scope] : null, period.from, period.to, partnerId],
  );
  if (logs.length > CERTIFICATE_MAX_LOGS) throw BadUserInputError.field('to', msg('serviceLog.certificateTooMany', { max: CERTIFICATE_MAX_LOGS }));
  let limitedTo: string[] | null = null;
  if (scope && !fixed) {
    // A secretary sees a certificate only for volunteers who served in their communities.
    if (!logs.length) throw new ForbiddenError(msg('serviceLog.noVerifiedInPeriod'));
    limitedTo = [...new Set(logs.map((l) => l.community))];
  } else if (scope) {
    // A link's scope is fixed; with no logs in the period, name the communities it covers.
    const names = logs.length ? [] : ((await ctx.db.query(`SELECT name FROM community WHERE id = ANY($1) ORDER BY name`, [[...scope]])) as { name: string }[]);
    limitedTo = logs.length ? [...new Set(logs.map((l) => l.community))] : names.map((n) => n.name);
  }
  const [partner] = partnerId ? await ctx.db.query(`SELECT name FROM partner WHERE id = $1`, [partnerId]) : [];
  return { volunteer, period, logs, totalMinutes: logs.reduce((sum, l) => sum + l.minutes, 0), limitedTo, limitedToPartner: partner?.name ?? null };
}

/** The period's select and dates for 'certificate.body': "于 A 至 B 期间", "自 A 至 今天", "截至 B"; no period means every record up to the issue date. */
function periodValues(period: { from: string | null; to: string | null }, issuedOn: string): MessageValues {
  const day = (iso: string) => ({ day: iso });
  if (period.from && period.to) return { period: 'between', from: day(period.from), to: day(period.to) };
  if (period.from) return { period: 'since', from: day(period.from), to: day(issuedOn) };
  return { period: 'upTo', from: '', to: day(period.to ?? issuedOn) };
}


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
