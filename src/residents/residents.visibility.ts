import { readable, rolesOn, type Readable, type TypeVisibility } from '../auth/visibility';
import type { Ctx } from '../context';
import type { Residency } from './residency.entity';

/*
 * Who may read what of residents (docs/visibility.md). Where a person lives is theirs: only they,
 * the community's secretaries (who verify it) and admins see a residency.
 */

export const RESIDENCY_VISIBILITY: TypeVisibility<never> = {
  type: 'Residency',
  scope: '-; its community (the resident themself: "self")',
  rows: { roles: ['self', 'secretary', 'admin'], hidden: 'left out of `User.residencies`', note: 'the resident themself too' },
  fields: {},
};

export const RESIDENTS_VISIBILITY = [RESIDENCY_VISIBILITY];

export async function residencyVisibility(ctx: Ctx, residency: Residency): Promise<Readable<never>> {
  return readable(RESIDENCY_VISIBILITY, await rolesOn(ctx, { communityId: residency.communityId, userId: residency.userId }));
}

/** The residencies of a list the viewer may see, in their order. */
export async function visibleResidencies(ctx: Ctx, residencies: Residency[]): Promise<Residency[]> {
  const seen = await Promise.all(residencies.map((r) => residencyVisibility(ctx, r)));
  return residencies.filter((_, i) => seen[i].row);
}
