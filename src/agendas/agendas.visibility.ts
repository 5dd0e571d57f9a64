import { readable, rolesOn, type Readable, type Role, type TypeVisibility } from '../auth/visibility';
import type { Ctx } from '../context';
import type { AgendaItem } from './agenda-item.entity';

/*
 * Who may read what of deliberation (docs/visibility.md). Everything residents were asked is public:
 * the item, its counts, the opinions' texts and the decision. A resident's proposal the secretary
 * has not opened yet is its proposer's, the secretaries' and admins'. Authors who chose to stay
 * anonymous are never named, to anyone (Opinion.authorName).
 */

/** Items anyone may see: those that were opened to the residents (a declined proposal never was). */
export const PUBLIC_AGENDA_SQL = (alias: string) => `${alias}.opened_at IS NOT NULL`;

const PRIVATE: readonly Role[] = ['self', 'secretary', 'admin'];

export const AGENDA_ITEM_VISIBILITY: TypeVisibility<'history { note by }'> = {
  type: 'AgendaItem',
  scope: '-; its community (the proposer: "self")',
  rows: {
    roles: PRIVATE,
    publicWhen: 'opened to the residents',
    hidden: 'null from `agendaItem`, left out of `agendaItems`',
    note: 'open, decided, or withdrawn after opening; a proposal waiting for approval (or declined): its proposer too',
  },
  fields: {
    'history { note by }': { roles: PRIVATE, hidden: 'null', note: 'who moved it; the withdrawal reason is public as `withdrawalReason`' },
  },
};

export const OPINION_VISIBILITY: TypeVisibility<'authorName'> = {
  type: 'Opinion',
  scope: "-; the item's community",
  fields: {
    authorName: { roles: [], publicWhen: 'not anonymous', hidden: 'null', note: 'nobody reads the name of an anonymous author; the author sees `anonymous` on `myOpinion`' },
  },
};

export const AGENDAS_VISIBILITY = [AGENDA_ITEM_VISIBILITY, OPINION_VISIBILITY];

export async function agendaVisibility(ctx: Ctx, item: AgendaItem): Promise<Readable<keyof typeof AGENDA_ITEM_VISIBILITY.fields>> {
  const roles = await rolesOn(ctx, { communityId: item.communityId, userId: item.proposedBy });
  return readable(AGENDA_ITEM_VISIBILITY, roles, { rows: item.openedAt !== null });
}
