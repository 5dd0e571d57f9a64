import type { PolicyTable, ViewerRoles } from '../auth/policy';
import { existingCommunityId } from '../communities/communities.service';
import type { Ctx } from '../context';
import { ForbiddenError } from '../errors';
import { msg } from '../i18n/messages';
import type { RatingRound } from './rating-round.entity';
import { findRound, isPanellist } from './ratings.service';

/*
 * Who may run rating rounds (issue #15): a secretary of the community (or an admin) opens and
 * closes them; the panel named when a round opens scores it, each panellist never a partner they
 * belong to (mayScore below). Every result is public once the round is closed (ratings.resolver.ts).
 */

const roundArg = async (ctx: Ctx, { id }: { id: string }) => ({ communityId: (await findRound(ctx, id)).communityId });

export const RATINGS_POLICY = {
  openRatingRound: {
    who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'],
    on: async (ctx: Ctx, { input }: { input: { communityId: string } }) => ({ communityId: await existingCommunityId(ctx, input.communityId, 'input.communityId') }),
  },
  scorePartner: {
    who: ['SIGNED_IN'],
    on: async (ctx: Ctx, { roundId }: { roundId: string }) => ({ communityId: (await findRound(ctx, roundId, 'roundId')).communityId }),
    more: 'a panellist of the round, never for a partner they are a member of (mayScore below)',
  },
  closeRatingRound: { who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'], on: roundArg },
} satisfies PolicyTable;

/** scorePartner's rule beyond roles: the panel scores, and nobody scores their own partner. */
export async function mayScore(ctx: Ctx, round: RatingRound, partnerId: string, roles: ViewerRoles): Promise<void> {
  if (!(await isPanellist(ctx, round, roles.userId))) throw new ForbiddenError(msg('rating.panelOnly'));
  if (roles.partnerRoles.has(partnerId)) throw new ForbiddenError(msg('rating.ownPartner'));
}
