import { DateTime } from 'luxon';
import { requireSecretary } from '../auth/policy';
import { serviceCertificateScope } from './service-hours.policy';
import { escapeHtml, htmlHead, PAGE_STYLE } from '../common/html';
import { DEFAULT_LOCALE, type Locale } from '../i18n/locale';
import { t, type MessageId, type MessageValues } from '../i18n/messages';
import { byId } from '../common/loaders';
import { localDateProblem } from '../common/input-guard';
import { LOCAL_DATE_PATTERN } from '../common/scalars';
import { findCommunity } from '../communities/communities.service';
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
  communityName: string;
  timezone: string;
  /** Rows in (started_at, id) order after the given position, at most `limit`. */
  batch(after: { startedAt: Date; id: string } | null, limit: number): Promise<ExportRow[]>;
}

/**
 * A community's service logs that started in the period (local dates in its time zone), for its
 * secretaries. Read in keyset batches, so an export of any size holds one batch in memory and no
 * connection between batches (on embedded PGlite other requests keep going).
 */
export async function serviceLogExport(ctx: Ctx, communityId: unknown, period: DatePeriod): Promise<ExportSource> {
  if (communityId === undefined || communityId === '') throw BadUserInputError.field('communityId', msg('field.required'));
  if (typeof communityId !== 'string') throw BadUserInputError.field('communityId', msg('field.givenOnce'));
  if (!isUuid(communityId)) throw new NotFoundError('community', communityId, 'communityId');
  const community = await findCommunity(ctx, communityId, 'communityId');
  await requireSecretary(ctx, communityId);
  const zone = community.timezone;
  // An open end is no bound at all (null), not an extreme instant: PGlite refuses year 275760.
  const from = period.from ? DateTime.fromISO(period.from, { zone }).toJSDate() : null;
  const to = period.to ? DateTime.fromISO(period.to, { zone }).plus({ days: 1 }).toJSDate() : null;
  return {
    communityName: community.name,
    timezone: zone,
    batch: (after, limit) =>
      ctx.db.query(
        `SELECT s.id, $2::text AS community, u.display_name AS volunteer, p.name AS partner,
                to_char(s.started_at AT TIME ZONE $3, 'YYYY-MM-DD HH24:MI') AS started,
                to_char(s.ended_at AT TIME ZONE $3, 'YYYY-MM-DD HH24:MI') AS ended,
                s.minutes, s.description, s.status, v.display_name AS verifier,
                to_char(s.verified_at AT TIME ZONE $3, 'YYYY-MM-DD HH24:MI') AS verified,
                s.match_id, s.contract_id, s.started_at
           FROM service_log s
           JOIN app_user u ON u.id = s.volunteer_id
           LEFT JOIN partner p ON p.id = s.partner_id
           LEFT JOIN app_user v ON v.id = s.verified_by_id
          WHERE s.community_id = $1
            AND ($4::timestamptz IS NULL OR s.started_at >= $4) AND ($5::timestamptz IS NULL OR s.started_at < $5)
            AND ($6::timestamptz IS NULL OR (s.started_at, s.id) > ($6, $7::uuid))
          ORDER BY s.started_at, s.id
          LIMIT $8`,
        [communityId, community.name, zone, from, to, after?.startedAt ?? null, after?.id ?? null, limit],
      ),
  };
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
 * A volunteer's VERIFIED service in the period (local dates in each log's community zone), oldest
 * first. The volunteer and admins see every community's logs; a secretary only their communities'.
 */
export async function serviceCertificate(ctx: Ctx, volunteerId: string, period: DatePeriod, fixed?: CertificateScope): Promise<Certificate> {
  if (!isUuid(volunteerId)) throw new NotFoundError('volunteer', volunteerId, 'volunteerId');
  const volunteer = await byId(ctx, User).load(volunteerId);
  if (!volunteer) throw new NotFoundError('volunteer', volunteerId, 'volunteerId');
  const scope = fixed ? (fixed.communityIds ? new Set(fixed.communityIds) : null) : await serviceCertificateScope(ctx, volunteerId);
  const partnerId = fixed?.partnerId ?? null;
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
