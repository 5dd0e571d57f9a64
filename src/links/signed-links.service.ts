import { createHash, randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import { serviceCertificateScope, viewerRoles, requireSecretary } from '../auth/policy';
import { now } from '../common/clock';
import { isUuid } from '../common/ids';
import { findCommunity } from '../communities/communities.service';
import type { Ctx } from '../context';
import { BadUserInputError, ForbiddenError, NotFoundError } from '../errors';
import { PartnerRole } from '../partners/partner.entity';
import { LOCAL_DATE_PATTERN } from '../common/scalars';
import type { DatePeriod } from '../service-hours/service-hours.service';
import { PAGE_PATH } from '../common/page-path';

export { PAGE_PATH };

export type LinkPurpose = 'SERVICE_CERTIFICATE' | 'PUBLIC_BOARD';

/** Longest validity a creator may ask for, in days: a posted board stays up for a season, a certificate is sent for one errand. */
export const MAX_DAYS: Record<LinkPurpose, number> = { PUBLIC_BOARD: 366, SERVICE_CERTIFICATE: 90 };

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
    throw BadUserInputError.field('validDays', `must be a whole number of days from 1 to ${MAX_DAYS[purpose]}`);
  }
  return days;
}

function localDate(name: 'from' | 'to', value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (!LOCAL_DATE_PATTERN.test(value) || !DateTime.fromISO(value).isValid) throw BadUserInputError.field(name, 'must be a date YYYY-MM-DD');
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
 * A link to a volunteer's certificate, showing what its creator may see: the volunteer and admins
 * every verified log, a secretary their communities' logs, a partner owner the logs of their
 * partner (one the volunteer is a member of). The scope is fixed at creation; the logs are read
 * when the page is opened.
 */
export async function createCertificateLink(
  ctx: Ctx,
  args: { volunteerId: string; from?: string | null; to?: string | null; partnerId?: string | null; validDays?: number | null },
): Promise<CreatedLink> {
  const roles = await viewerRoles(ctx);
  const period: DatePeriod = { from: localDate('from', args.from), to: localDate('to', args.to) };
  if (period.from && period.to && period.from > period.to) throw BadUserInputError.field('to', 'must not be before from');
  const days = validDays('SERVICE_CERTIFICATE', args.validDays, ctx.config.signedLinks.certificateDays);
  if (!isUuid(args.volunteerId)) throw new NotFoundError('volunteer', args.volunteerId, 'volunteerId');
  const [volunteer] = await ctx.db.query(`SELECT id FROM app_user WHERE id = $1`, [args.volunteerId]);
  if (!volunteer) throw new NotFoundError('volunteer', args.volunteerId, 'volunteerId');

  let scope: Pick<SignedLinkRow, 'scope_community_ids' | 'scope_partner_id'>;
  if (args.partnerId) {
    // A partner owner certifies the service done for their partner by one of its members.
    if (!isUuid(args.partnerId) || roles.partnerRoles.get(args.partnerId) !== PartnerRole.OWNER) {
      throw new ForbiddenError('Only an owner of this partner may link its members’ certificates');
    }
    const [member] = await ctx.db.query(`SELECT 1 FROM partner_member WHERE partner_id = $1 AND user_id = $2`, [args.partnerId, args.volunteerId]);
    if (!member) throw new ForbiddenError('This volunteer is not a member of this partner');
    scope = { scope_community_ids: null, scope_partner_id: args.partnerId };
  } else {
    // The volunteer and admins: everything; a secretary: their communities, if the volunteer served there.
    const communities = await serviceCertificateScope(ctx, args.volunteerId).catch((error: Error) => error);
    const served =
      communities === null ||
      (communities instanceof Set &&
        (await ctx.db.query(`SELECT 1 FROM service_log WHERE volunteer_id = $1 AND status = 'VERIFIED' AND community_id = ANY($2) LIMIT 1`, [
          args.volunteerId,
          [...communities],
        ])).length > 0);
    if (served) {
      scope = { scope_community_ids: communities instanceof Set ? [...communities] : null, scope_partner_id: null };
    } else {
      // Otherwise an owner of one of the volunteer's partners: that partner's logs.
      const owned = [...roles.partnerRoles].filter(([, role]) => role === PartnerRole.OWNER).map(([id]) => id);
      const [shared] = owned.length
        ? await ctx.db.query(`SELECT partner_id FROM partner_member WHERE user_id = $1 AND partner_id = ANY($2) ORDER BY partner_id LIMIT 1`, [args.volunteerId, owned])
        : [];
      if (!shared) throw communities instanceof Error ? communities : new ForbiddenError('This volunteer has no verified service in your communities');
      scope = { scope_community_ids: null, scope_partner_id: shared.partner_id as string };
    }
  }
  return insertLink(ctx, roles.userId, 'SERVICE_CERTIFICATE', days, { volunteer_id: args.volunteerId, period_from: period.from, period_to: period.to, ...scope });
}

/**
 * A link to the community's public board, for posting (with its QR code) in the community hall.
 * The board is public anyway; the link is what the community stands behind, so its secretaries
 * (and admins) create it, and can revoke it when the notice comes down.
 */
export async function createBoardLink(ctx: Ctx, args: { communityId: string; validDays?: number | null }): Promise<CreatedLink> {
  const days = validDays('PUBLIC_BOARD', args.validDays, ctx.config.signedLinks.boardDays);
  await findCommunity(ctx, args.communityId, 'communityId');
  const roles = await requireSecretary(ctx, args.communityId);
  return insertLink(ctx, roles.userId, 'PUBLIC_BOARD', days, { community_id: args.communityId });
}

const COLUMNS = `id, purpose, volunteer_id, community_id, to_char(period_from, 'YYYY-MM-DD') AS period_from, to_char(period_to, 'YYYY-MM-DD') AS period_to,
  scope_community_ids, scope_partner_id, created_by, created_at, expires_at, revoked_at`;

/** Revokes a link at once (its creator or an admin); revoking it again changes nothing. */
export async function revokeLink(ctx: Ctx, id: string): Promise<SignedLinkRow> {
  const roles = await viewerRoles(ctx);
  if (!isUuid(id)) throw new NotFoundError('signed link', id, 'id');
  const [link]: SignedLinkRow[] = await ctx.db.query(`SELECT ${COLUMNS} FROM signed_link WHERE id = $1`, [id]);
  if (!link) throw new NotFoundError('signed link', id, 'id');
  if (link.created_by !== roles.userId && !roles.isAdmin) throw new ForbiddenError('Only the link’s creator or an admin may revoke it');
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
  if (!Number.isInteger(first) || first < 1 || first > 100) throw BadUserInputError.field('first', 'must be between 1 and 100');
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
