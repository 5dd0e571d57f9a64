import { msg } from '../i18n/messages';
import type { PolicyTable } from '../auth/policy';
import type { Ctx } from '../context';
import { findCommunity } from '../communities/communities.service';
import { findOr404 } from '../common/find';
import { PartnerInvitation } from './partner-invitation.entity';
import { findPartner, findPartnership } from './partners.service';

/*
 * Who may change partners, their members and their partnerships (DESIGN.md's role table). Who
 * reads what of them: partners.visibility.ts.
 */

const partnerArg = async (ctx: Ctx, { partnerId }: { partnerId: string }) => ({ partnerId: (await findPartner(ctx, partnerId, 'partnerId')).id });

const partnership = async (ctx: Ctx, { id }: { id: string }) => {
  const found = await findPartnership(ctx, id);
  return { partnerId: found.partnerId, communityId: found.communityId };
};

export const PARTNERS_POLICY = {
  registerPartner: { who: ['SIGNED_IN'], more: 'the caller becomes its owner' },
  addPartnerMember: { who: ['OWNER_OF_PARTNER'], on: partnerArg, more: 'invites, as invitePartnerMember' },
  invitePartnerMember: { who: ['OWNER_OF_PARTNER'], on: partnerArg, more: 'managedMemberId: a managed member of this partner (invitations.service.ts)' },
  addManagedMember: { who: ['OWNER_OF_PARTNER'], on: partnerArg },
  respondToInvitation: {
    // Only the holder of the invited e-mail; for anyone else it does not exist (invitations.service.ts).
    who: ['SELF'],
    refusedAs: 'NOT_FOUND',
    more: 'the invitee is whoever holds the invited e-mail (checked with the row, in invitations.service.ts)',
  },
  revokeInvitation: {
    who: ['OWNER_OF_PARTNER'],
    on: async (ctx: Ctx, { id }: { id: string }) => ({ partnerId: (await findOr404(ctx, PartnerInvitation, id, { thing: 'invitation' })).partnerId }),
  },
  leavePartner: { who: ['MEMBER_OF_PARTNER'], on: partnerArg, refusal: msg('partner.notMember') },
  requestPartnership: {
    who: ['MEMBER_OF_PARTNER'],
    on: async (ctx: Ctx, { partnerId, communityId }: { partnerId: string; communityId: string }) => {
      await findPartner(ctx, partnerId, 'partnerId');
      await findCommunity(ctx, communityId, 'communityId');
      return { partnerId };
    },
  },
  reviewPartnership: { who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'], on: partnership },
  endPartnership: { who: ['OWNER_OF_PARTNER', 'SECRETARY_OF_COMMUNITY', 'ADMIN'], on: partnership },
} satisfies PolicyTable;
