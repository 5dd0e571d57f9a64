import type { PolicyTable } from '../auth/policy';
import type { Ctx } from '../context';
import { existingCommunityId } from '../communities/communities.service';
import { findPartner } from '../partners/partners.service';
import { findDemand, findMatch, findOffer } from './demand.service';

/*
 * Who may change demand items, offers and matches (DESIGN.md's role table). Who reads what of
 * them: demand.visibility.ts (reading at all needs a sign-in; anonymous residents read the public board).
 */

const match = async (ctx: Ctx, { id }: { id: string }) => {
  const found = await findMatch(ctx, id);
  return { partnerId: found.partnerId, communityId: found.communityId, userId: found.volunteerId };
};

export const DEMAND_POLICY = {
  postDemand: {
    who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'],
    on: async (ctx: Ctx, { input }: { input: { communityId: string } }) => ({ communityId: await existingCommunityId(ctx, input.communityId, 'input.communityId') }),
  },
  cancelDemand: {
    who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'],
    on: async (ctx: Ctx, { id }: { id: string }) => ({ communityId: (await findDemand(ctx, id)).communityId }),
  },
  publishOffer: {
    who: ['MEMBER_OF_PARTNER'],
    on: async (ctx: Ctx, { input }: { input: { partnerId: string } }) => ({ partnerId: (await findPartner(ctx, input.partnerId, 'input.partnerId')).id }),
  },
  setOfferStatus: {
    who: ['MEMBER_OF_PARTNER', 'ADMIN'],
    on: async (ctx: Ctx, { id }: { id: string }) => ({ partnerId: (await findOffer(ctx, id)).partnerId }),
  },
  claimDemand: {
    // Without a partner a resident claims alone (issue #14): any signed-in user passes the table,
    // the rest is the `more` below.
    who: (scope) => (scope.partnerId ? ['MEMBER_OF_PARTNER'] : ['SIGNED_IN']),
    on: async (ctx: Ctx, { input }: { input: { demandId: string; partnerId?: string | null; offerId?: string | null } }) => {
      const item = await findDemand(ctx, input.demandId, 'input.demandId');
      if (input.partnerId) await findPartner(ctx, input.partnerId, 'input.partnerId');
      if (input.offerId) await findOffer(ctx, input.offerId, 'input.offerId');
      return { partnerId: input.partnerId ?? null, communityId: item.communityId };
    },
    more:
      "the partner's ACTIVE partnership with the community; claiming alone: a current resident of the item's community, a WISH item, no offer (demand.service.ts, with the rows)",
  },
  dispatchOffer: {
    who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'],
    on: async (ctx: Ctx, { input }: { input: { demandId: string; offerId: string } }) => {
      const item = await findDemand(ctx, input.demandId, 'input.demandId');
      await findOffer(ctx, input.offerId, 'input.offerId');
      return { communityId: item.communityId };
    },
  },
  respondToDispatch: { who: ['MEMBER_OF_PARTNER'], on: match },
  reviewMatch: { who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'], on: match },
  // SELF: an individual volunteer withdraws their own claim.
  withdrawMatch: { who: ['MEMBER_OF_PARTNER', 'SELF', 'SECRETARY_OF_COMMUNITY', 'ADMIN'], on: match },
  markMatchFulfilled: { who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'], on: match },
  evaluateMatch: { who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'], on: match },
} satisfies PolicyTable;

/** The secretaries' review queue of a community (a read, with the same rule as reviewMatch). */
export const REVIEW_QUEUE = {
  who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'],
  on: async (ctx: Ctx, { communityId }: { communityId: string }) => ({ communityId: await existingCommunityId(ctx, communityId, 'communityId') }),
} satisfies PolicyTable[string];
