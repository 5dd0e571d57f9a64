import type { PolicyTable } from '../auth/policy';
import { existingCommunityId } from '../communities/communities.service';
import type { Ctx } from '../context';

/** Who reads a community's pending work (a query: no row of the mutation tables): its secretaries and admins. */
export const PENDING_WORK = {
  who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'],
  on: async (ctx: Ctx, { communityId }: { communityId: string }) => ({ communityId: await existingCommunityId(ctx, communityId, 'communityId') }),
} satisfies PolicyTable[string];
