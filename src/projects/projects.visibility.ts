import { readable, rolesOn, type Readable, type Role, type TypeVisibility } from '../auth/visibility';
import type { Ctx } from '../context';
import type { Project } from './project.entity';

/*
 * Who may read what of projects (docs/visibility.md). A project is published once the secretary
 * approves it (approvedAt), and stays so whatever follows (progress, completion, a later
 * cancellation and its reason: the community's accountability). A proposal, and one rejected at
 * review, is seen by its lead, the community's secretaries and admins only.
 *
 * A person leading a project themself publishes their display name with it (`leadPersonName`), as
 * the lead of a public project does on the notice board; an update's `authorName` is the lead
 * partner's name when a member of it wrote it, the author's display name otherwise (the person
 * leading it, a secretary). No e-mail and no account is ever shown.
 */

/** Its lead (the lead partner's members: "member"; the person leading it: "self"), the secretaries, admins. */
const INVOLVED_IN_PROJECT: readonly Role[] = ['member', 'self', 'secretary', 'admin'];

export const PROJECT_VISIBILITY: TypeVisibility<'history { note by }'> = {
  type: 'Project',
  scope: 'its lead partner; its community (the person leading it: "self")',
  rows: {
    roles: INVOLVED_IN_PROJECT,
    publicWhen: 'approved (APPROVED, IN_PROGRESS, COMPLETED, or CANCELLED after its approval)',
    hidden: 'null from `project`, left out of `projects`',
    note: 'the person leading it too',
  },
  fields: {
    'history { note by }': { roles: INVOLVED_IN_PROJECT, hidden: 'null', note: 'the person leading it too' },
  },
};

export const PROJECTS_VISIBILITY = [PROJECT_VISIBILITY];

export async function projectVisibility(ctx: Ctx, project: Project): Promise<Readable<keyof typeof PROJECT_VISIBILITY.fields>> {
  const roles = await rolesOn(ctx, { communityId: project.communityId, partnerId: project.leadPartnerId, userId: project.leadUserId });
  return readable(PROJECT_VISIBILITY, roles, { rows: project.approvedAt !== null });
}
