import type { PolicyTable, ViewerRoles } from '../auth/policy';
import type { Ctx } from '../context';
import { existingCommunityId } from '../communities/communities.service';
import { ForbiddenError } from '../errors';
import { msg } from '../i18n/messages';
import { isResident, residenciesOf } from '../residents/residents.service';
import { findAgendaItem } from './agendas.service';

/*
 * Who may change agenda items (议事). A secretary of the community (or an admin) puts an item
 * before the residents, opens residents' proposals, records decisions and withdraws items; a
 * resident the secretary verified may propose one (it waits for the secretary's approval); every
 * current resident voices an opinion. Who reads what: agendas.visibility.ts.
 */

const itemArg = (path: string) => async (ctx: Ctx, args: Record<string, unknown>) => {
  const id = path.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], args) as string;
  return { communityId: (await findAgendaItem(ctx, id, path)).communityId };
};

export const AGENDAS_POLICY = {
  proposeAgendaItem: {
    who: ['SIGNED_IN'],
    on: async (ctx: Ctx, { input }: { input: { communityId: string } }) => ({ communityId: await existingCommunityId(ctx, input.communityId, 'input.communityId') }),
    more: 'a secretary of the community or an admin (it opens at once), or a verified resident of it (it waits for approval): mayPropose below',
  },
  approveAgendaItem: { who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'], on: itemArg('id') },
  voiceOpinion: {
    who: ['SIGNED_IN'],
    on: itemArg('agendaItemId'),
    more: 'a current resident of the community: mayVoice below',
  },
  recordDecision: { who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'], on: itemArg('input.agendaItemId') },
  withdrawAgendaItem: { who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'], on: itemArg('id') },
} satisfies PolicyTable;

/** proposeAgendaItem's rule beyond roles: the community's secretaries and admins, or a resident the secretary verified. */
export async function mayPropose(ctx: Ctx, communityId: string, roles: ViewerRoles): Promise<void> {
  if (roles.isAdmin || roles.secretaryOf.has(communityId)) return;
  const residencies = await residenciesOf(ctx, roles.userId);
  if (!residencies.some((r) => r.communityId === communityId && r.verified)) throw new ForbiddenError(msg('agenda.verifiedResidentsOnly'));
}

/** voiceOpinion's rule beyond roles: only a person living in the community (not left) voices an opinion there. */
export async function mayVoice(ctx: Ctx, communityId: string, userId: string): Promise<void> {
  if (!(await isResident(ctx, communityId, userId))) throw new ForbiddenError(msg('agenda.residentsOnly'));
}
