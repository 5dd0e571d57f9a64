import type { PolicyTable } from '../auth/policy';
import type { Ctx } from '../context';
import { existingCommunityId } from '../communities/communities.service';
import { ForbiddenError } from '../errors';
import { msg } from '../i18n/messages';
import { isResident } from './residents.service';
import { findRequest, workers } from './requests.service';

/*
 * Who may change residencies: a person joins and leaves a community themself; a secretary of the
 * community (or an admin) vouches for a resident. Who reads them: residents.visibility.ts.
 */

const communityArg = async (ctx: Ctx, { communityId }: { communityId: string }) => ({ communityId: await existingCommunityId(ctx, communityId, 'communityId') });

const requestArg = async (ctx: Ctx, { id }: { id: string }) => ({ communityId: (await findRequest(ctx, id)).communityId });

export const RESIDENTS_POLICY = {
  joinCommunity: { who: ['SIGNED_IN'], on: communityArg, more: 'the caller becomes the resident' },
  leaveCommunity: { who: ['SIGNED_IN'], on: communityArg, more: "the caller's own residency" },
  verifyResident: { who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'], on: communityArg },
  submitRequest: {
    who: ['SIGNED_IN'],
    on: async (ctx: Ctx, { input }: { input: { communityId: string } }) => ({ communityId: await existingCommunityId(ctx, input.communityId, 'input.communityId') }),
    more: 'a current resident of the community (mayRequest below)',
  },
  triageRequest: {
    who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'],
    on: async (ctx: Ctx, { input }: { input: { requestId: string } }) => ({ communityId: (await findRequest(ctx, input.requestId, 'input.requestId')).communityId }),
  },
  reportRequestDone: {
    who: ['MEMBER_OF_PARTNER', 'SELF', 'SECRETARY_OF_COMMUNITY', 'ADMIN'],
    on: async (ctx: Ctx, { id }: { id: string }) => {
      const request = await findRequest(ctx, id);
      const { partnerId, volunteerId } = await workers(ctx, request);
      return { communityId: request.communityId, partnerId, userId: volunteerId };
    },
    more: "the partner, or the individual volunteer (SELF), is one whose match on the request's item was approved (requests.service.ts workers)",
    refusal: msg('request.reportDoneWho'),
  },
  inspectRequest: { who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'], on: requestArg },
  rateRequest: {
    who: ['SELF'],
    on: async (ctx: Ctx, { id }: { id: string }) => {
      const request = await findRequest(ctx, id);
      return { communityId: request.communityId, userId: request.requesterId };
    },
    refusal: msg('request.requesterRates'),
  },
} satisfies PolicyTable;

/** submitRequest's rule beyond roles: only a person living in the community (not left) raises requests there. */
export async function mayRequest(ctx: Ctx, communityId: string, userId: string): Promise<void> {
  if (!(await isResident(ctx, communityId, userId))) throw new ForbiddenError(msg('request.residentsOnly'));
}
