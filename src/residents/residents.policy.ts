import type { PolicyTable } from '../auth/policy';
import type { Ctx } from '../context';
import { findCommunity } from '../communities/communities.service';

/*
 * Who may change residencies: a person joins and leaves a community themself; a secretary of the
 * community (or an admin) vouches for a resident. Who reads them: residents.visibility.ts.
 */

const communityArg = async (ctx: Ctx, { communityId }: { communityId: string }) => ({ communityId: (await findCommunity(ctx, communityId, 'communityId')).id });

export const RESIDENTS_POLICY = {
  joinCommunity: { who: ['SIGNED_IN'], on: communityArg, more: 'the caller becomes the resident' },
  leaveCommunity: { who: ['SIGNED_IN'], on: communityArg, more: "the caller's own residency" },
  verifyResident: { who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'], on: communityArg },
} satisfies PolicyTable;
