import type { PolicyTable, Scope } from '../auth/policy';
import type { Ctx } from '../context';
import { findOr404 } from '../common/find';
import { findRoom } from '../communities/communities.service';
import { findPartner } from '../partners/partners.service';
import { findBooking } from './bookings.service';
import { SpaceContract } from './space-contract.entity';

/*
 * Who may book rooms and make space contracts (DESIGN.md's role table). Who reads what of them:
 * spaces.visibility.ts.
 */

/** NOT_FOUND only when it does not exist (whoever may see it), so a refusal reads FORBIDDEN. */
const contract = async (ctx: Ctx, { id }: { id: string }): Promise<Scope> => {
  const found = await findOr404(ctx, SpaceContract, id, { thing: 'contract' });
  return { partnerId: found.partnerId, communityId: found.communityId };
};

const roomAndPartner = async (ctx: Ctx, { input }: { input: { roomId: string; partnerId?: string | null } }): Promise<Scope> => {
  const room = await findRoom(ctx, input.roomId, 'input.roomId');
  if (input.partnerId) await findPartner(ctx, input.partnerId, 'input.partnerId');
  return { communityId: room.communityId, partnerId: input.partnerId ?? null };
};

export const SPACES_POLICY = {
  bookSlot: {
    // For a partner: its members; the community's own booking: its secretaries (or an admin).
    who: (scope) => (scope.partnerId ? ['MEMBER_OF_PARTNER'] : ['SECRETARY_OF_COMMUNITY', 'ADMIN']),
    on: roomAndPartner,
    more: "a partner's booking needs its ACTIVE partnership with the community (bookings.service.ts)",
  },
  cancelBooking: {
    who: (scope) => (scope.partnerId ? ['MEMBER_OF_PARTNER', 'SECRETARY_OF_COMMUNITY', 'ADMIN'] : ['SECRETARY_OF_COMMUNITY', 'ADMIN']),
    on: async (ctx: Ctx, { id }: { id: string }) => {
      const booking = await findBooking(ctx, id);
      return { partnerId: booking.partnerId, communityId: booking.communityId };
    },
  },
  proposeContract: { who: ['MEMBER_OF_PARTNER'], on: roomAndPartner },
  reviewContract: { who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'], on: contract },
  terminateContract: { who: ['OWNER_OF_PARTNER', 'SECRETARY_OF_COMMUNITY', 'ADMIN'], on: contract },
  rotatePartnerCalendarToken: {
    who: ['MEMBER_OF_PARTNER'],
    on: async (ctx: Ctx, { partnerId }: { partnerId: string }) => ({ partnerId: (await findPartner(ctx, partnerId, 'partnerId')).id }),
  },
} satisfies PolicyTable;
