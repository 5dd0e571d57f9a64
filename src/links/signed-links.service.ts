import { createHash, randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import { viewerRoles } from '../auth/policy';
import { now } from '../common/clock';
import type { Ctx } from '../context';
import { BadUserInputError } from '../errors';
import { LOCAL_DATE_PATTERN } from '../common/scalars';
import type { DatePeriod } from '../service-hours/service-hours.service';
import { PAGE_PATH } from '../common/page-path';
import type { CertificateScope } from './links.policy';
import { msg } from '../i18n/messages';

export { PAGE_PATH };

export type LinkPurpose = 'SERVICE_CERTIFICATE' | 'PUBLIC_BOARD' | 'PERSONAL_EXPORT';

/** Longest validity a creator may ask for, in days: a posted board stays up for a season, a certificate is sent for one errand. */
export const MAX_DAYS: Record<LinkPurpose, number> = { PUBLIC_BOARD: 366, SERVICE_CERTIFICATE: 90, PERSONAL_EXPORT: 1 };

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface SignedLinkRow {
  id: string;
  purpose: LinkPurpose;
  volunteer_id: string | null;
  community_id: string | null;
  period_from: string | null;
  period_to: string | null;
  scope_community_ids: string[] | null;
  scope_partner_id: string | null;
  created_by: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

export interface CreatedLink {
  row: SignedLinkRow;
  url: string;
}

const hashOf = (token: string) => createHash('sha256').update(token, 'utf8').digest();

function validDays(purpose: LinkPurpose, asked: number | null | undefined, fallback: number): number {
  const days = asked ?? fallback;
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS[purpose]) {
    throw BadUserInputError.field('validDays', msg('field.wholeDays', { max: MAX_DAYS[purpose] }));
  }
  return days;
}

function localDate(name: 'from' | 'to', value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (!LOCAL_DATE_PATTERN.test(value) || !DateTime.fromISO(value).isValid) throw BadUserInputError.field(name, msg('field.date'));
  return value;
}

async function insertLink(ctx: Ctx, userId: string, purpose: LinkPurpose, days: number, values: Partial<SignedLinkRow>): Promise<CreatedLink> {
  const token = randomBytes(32).toString('base64url');
  const created = now();
  const expires = new Date(created.getTime() + days * 86_400_000);
  const [row]: SignedLinkRow[] = await ctx.db.query(
    `INSERT INTO signed_link (token_hash, purpose, volunteer_id, community_id, period_from, period_to, scope_community_ids, scope_partner_id, created_by, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     RETURNING id, purpose, volunteer_id, community_id, to_char(period_from, 'YYYY-MM-DD') AS period_from, to_char(period_to, 'YYYY-MM-DD') AS period_to,
               scope_community_ids, scope_partner_id, created_by, created_at, expires_at, revoked_at`,
    [
      hashOf(token),
      purpose,
      values.volunteer_id ?? null,
      values.community_id ?? null,
      values.period_from ?? null,
      values.period_to ?? null,
      values.scope_community_ids ?? null,
      values.scope_partner_id ?? null,
      userId,
      created,
      expires,
    ],
  );
  return { row, url: `${ctx.config.publicUrl}${PAGE_PATH}${token}` };
}

/**
 * A link to a volunteer's certificate, showing what its creator may see (`scope`, decided with the
 * permission by links.policy.ts). The scope is fixed at creation; the logs are read when the page is opened.
 */
export async function createCertificateLink(
  ctx: Ctx,
  args: { volunteerId: string; from?: string | null; to?: string | null; validDays?: number | null },
  scope: CertificateScope,
  by: string,
): Promise<CreatedLink> {
  const period: DatePeriod = { from: localDate('from', args.from), to: localDate('to', args.to) };
  if (period.from && period.to && period.from > period.to) throw BadUserInputError.field('to', msg('field.mustNotBeBefore', { other: 'from' }));
  const days = validDays('SERVICE_CERTIFICATE', args.validDays, ctx.config.signedLinks.certificateDays);
  return insertLink(ctx, by, 'SERVICE_CERTIFICATE', days, { volunteer_id: args.volunteerId, period_from: period.from, period_to: period.to, ...scope });
}

/**
 * A link to the community's public board, for posting (with its QR code) in the community hall.
 * The board is public anyway; the link is what the community stands behind, so its secretaries
 * (and admins) create it (links.policy.ts), and can revoke it when the notice comes down.
 */
export async function createBoardLink(ctx: Ctx, args: { communityId: string; validDays?: number | null }, by: string): Promise<CreatedLink> {
  const days = validDays('PUBLIC_BOARD', args.validDays, ctx.config.signedLinks.boardDays);
  return insertLink(ctx, by, 'PUBLIC_BOARD', days, { community_id: args.communityId });
}

/**
 * A link to the signed-in person's own data export (GET /me/export), for a browser download: it
 * opens for one day at most, and erasing the account revokes it (docs/personal-data.md).
 */
export async function createExportLink(ctx: Ctx, userId: string): Promise<CreatedLink> {
  return insertLink(ctx, userId, 'PERSONAL_EXPORT', MAX_DAYS.PERSONAL_EXPORT, { volunteer_id: userId });
}

const COLUMNS = `id, purpose, volunteer_id, community_id, to_char(period_from, 'YYYY-MM-DD') AS period_from, to_char(period_to, 'YYYY-MM-DD') AS period_to,
  scope_community_ids, scope_partner_id, created_by, created_at, expires_at, revoked_at`;

/** Revokes a link at once (its creator or an admin: links.policy.ts); revoking it again changes nothing. */
export async function revokeLink(ctx: Ctx, id: string): Promise<SignedLinkRow> {
  // TypeORM answers an UPDATE with [rows, affected count].
  const [rows]: [SignedLinkRow[], number] = await ctx.db.query(
    `UPDATE signed_link SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, now()],
  );
  return rows[0];
}

/** The links the viewer created, newest first (admins: everyone's), live ones or all. */
export async function linksCreatedBy(ctx: Ctx, first: number): Promise<SignedLinkRow[]> {
  const roles = await viewerRoles(ctx);
  if (!Number.isInteger(first) || first < 1 || first > 100) throw BadUserInputError.field('first', msg('field.betweenOneAnd', { max: 100 }));
  return ctx.db.query(`SELECT ${COLUMNS} FROM signed_link WHERE created_by = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [roles.userId, first]);
}

export type OpenedLink = { state: 'open'; link: SignedLinkRow } | { state: 'unknown' } | { state: 'expired' | 'revoked'; link: SignedLinkRow };

/** What a token opens: the link while it is live; otherwise why not. */
export async function openLink(ctx: Pick<Ctx, 'db'>, token: string): Promise<OpenedLink> {
  if (!TOKEN_PATTERN.test(token)) return { state: 'unknown' };
  const [link]: SignedLinkRow[] = await ctx.db.query(`SELECT ${COLUMNS} FROM signed_link WHERE token_hash = $1`, [hashOf(token)]);
  if (!link) return { state: 'unknown' };
  if (link.revoked_at) return { state: 'revoked', link };
  if (link.expires_at.getTime() <= now().getTime()) return { state: 'expired', link };
  return { state: 'open', link };
}
