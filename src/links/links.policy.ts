import { msg } from '../i18n/messages';
import { type PolicyTable, type Scope, signedIn, viewerRoles } from '../auth/policy';
import type { Ctx } from '../context';
import { existingCommunityId } from '../communities/communities.service';
import { findOr404 } from '../common/find';
import { isUuid } from '../common/ids';
import { ForbiddenError, NotFoundError } from '../errors';
import { PartnerRole } from '../partners/partner.entity';
import { serviceCertificateScope } from '../service-hours/service-hours.policy';
import { User } from '../users/user.entity';

/*
 * Who may create and revoke signed links. A certificate link shows what its creator may see, so
 * who may create one and what it shows are decided together (`certificateLinkScope`).
 */

export const LINKS_POLICY = {
  createCertificateLink: {
    who: ['SELF', 'ADMIN', 'SECRETARY_OF_COMMUNITY', 'OWNER_OF_PARTNER'],
    more:
      'certificateLinkScope: SELF is the volunteer; a secretary of a community the volunteer has VERIFIED service in; an owner of a partner the volunteer belongs to',
  },
  createExportLink: { who: ['SIGNED_IN'], more: 'a link to their own data export only' },
  createBoardLink: {
    who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'],
    on: async (ctx: Ctx, { communityId }: { communityId: string }) => ({ communityId: await existingCommunityId(ctx, communityId, 'communityId') }),
  },
  revokeSignedLink: {
    who: ['SELF', 'ADMIN'],
    on: async (ctx: Ctx, { id }: { id: string }): Promise<Scope> => {
      const [link]: { created_by: string }[] = isUuid(id) ? await ctx.db.query(`SELECT created_by FROM signed_link WHERE id = $1`, [id]) : [];
      if (!link) throw new NotFoundError('signedLink', id, 'id');
      return { userId: link.created_by };
    },
    refusal: msg('link.revokeOnly'),
  },
} satisfies PolicyTable;

/** What a certificate link may show: every community (null), some communities, or one partner's logs. */
export interface CertificateScope {
  scope_community_ids: string[] | null;
  scope_partner_id: string | null;
}

/**
 * The createCertificateLink rule, and what the link will show: the volunteer and admins every
 * verified log, a secretary their communities' logs (if the volunteer served there), a partner
 * owner the logs of their partner (one the volunteer is a member of). FORBIDDEN for anyone else.
 */
export async function certificateLinkScope(ctx: Ctx, args: { volunteerId: string; partnerId?: string | null }): Promise<CertificateScope> {
  signedIn(ctx);
  await findOr404(ctx, User, args.volunteerId, { thing: 'volunteer', path: 'volunteerId' });
  const roles = await viewerRoles(ctx);
  if (args.partnerId) {
    // A partner owner certifies the service done for their partner by one of its members.
    if (!isUuid(args.partnerId) || roles.partnerRoles.get(args.partnerId) !== PartnerRole.OWNER) {
      throw new ForbiddenError(msg('link.ownerOnly'));
    }
    const [member] = await ctx.db.query(`SELECT 1 FROM partner_member WHERE partner_id = $1 AND user_id = $2`, [args.partnerId, args.volunteerId]);
    if (!member) throw new ForbiddenError(msg('link.notMember'));
    return { scope_community_ids: null, scope_partner_id: args.partnerId };
  }
  // The volunteer and admins: everything; a secretary: their communities, if the volunteer served there.
  const communities = await serviceCertificateScope(ctx, args.volunteerId).catch((error: Error) => error);
  const served =
    communities === null ||
    (communities instanceof Set &&
      (await ctx.db.query(`SELECT 1 FROM service_log WHERE volunteer_id = $1 AND status = 'VERIFIED' AND community_id = ANY($2) LIMIT 1`, [
        args.volunteerId,
        [...communities],
      ])).length > 0);
  if (served) return { scope_community_ids: communities instanceof Set ? [...communities] : null, scope_partner_id: null };
  // Otherwise an owner of one of the volunteer's partners: that partner's logs.
  const owned = [...roles.partnerRoles].filter(([, role]) => role === PartnerRole.OWNER).map(([id]) => id);
  const [shared] = owned.length
    ? await ctx.db.query(`SELECT partner_id FROM partner_member WHERE user_id = $1 AND partner_id = ANY($2) ORDER BY partner_id LIMIT 1`, [args.volunteerId, owned])
    : [];
  if (!shared) throw communities instanceof Error ? communities : new ForbiddenError(msg('link.noService'));
  return { scope_community_ids: null, scope_partner_id: shared.partner_id as string };
}
