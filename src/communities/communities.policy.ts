import type { PolicyTable } from '../auth/policy';
import type { Ctx } from '../context';
import { existingCommunityId, findRoom } from './communities.service';

/** Who may change communities and rooms (DESIGN.md's role table); reading them is public. */
export const COMMUNITIES_POLICY = {
  createCommunity: { who: ['ADMIN'] },
  appointSecretary: { who: ['ADMIN'] },
  createRoom: {
    who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'],
    on: async (ctx: Ctx, { input }: { input: { communityId: string } }) => ({ communityId: await existingCommunityId(ctx, input.communityId, 'input.communityId') }),
  },
  updateRoom: {
    who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'],
    on: async (ctx: Ctx, { id }: { id: string }) => ({ communityId: (await findRoom(ctx, id)).communityId }),
  },
} satisfies PolicyTable;
