import type { PolicyTable, Scope } from '../auth/policy';
import { viewerRoles } from '../auth/policy';
import type { Ctx } from '../context';
import { existingCommunityId } from '../communities/communities.service';
import { ForbiddenError } from '../errors';
import { msg } from '../i18n/messages';
import { findPartner } from '../partners/partners.service';
import { isResident } from '../residents/residents.service';
import type { Project } from './project.entity';
import type { ProposeProjectInput } from './projects.inputs';
import { findProject } from './projects.service';

/*
 * Who may change projects (issue #15). A partner's member proposes a project led by that partner; a
 * person proposes one they lead themself. The community's secretary reviews it. Its lead (every
 * member of the lead partner, or the person leading it) or the secretary posts progress, completes
 * or cancels it. Who reads them: projects.visibility.ts.
 */

/** The lead of a project as a scope: its partner (MEMBER_OF_PARTNER) or the person leading it (SELF). */
export const leadScope = (project: Project): Scope => ({ communityId: project.communityId, partnerId: project.leadPartnerId, userId: project.leadUserId });

const projectArg = async (ctx: Ctx, { id }: { id: string }) => leadScope(await findProject(ctx, id));

const LEAD_OR_SECRETARY = ['MEMBER_OF_PARTNER', 'SELF', 'SECRETARY_OF_COMMUNITY', 'ADMIN'] as const;

export const PROJECTS_POLICY = {
  proposeProject: {
    // Leading as a partner: its members only (admins too must belong to it). Leading oneself: see mayLeadProject.
    who: (scope: Scope) => (scope.partnerId ? ['MEMBER_OF_PARTNER'] : ['SIGNED_IN']),
    on: async (ctx: Ctx, { input }: { input: ProposeProjectInput }) => ({
      communityId: await existingCommunityId(ctx, input.communityId, 'input.communityId'),
      partnerId: input.leadPartnerId ? (await findPartner(ctx, input.leadPartnerId, 'input.leadPartnerId')).id : null,
    }),
    more: 'as a partner: it has an ACTIVE partnership in the community; leading oneself: a current resident or secretary of the community, or an admin (mayLeadProject below)',
  },
  reviewProject: { who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'], on: projectArg },
  postProjectUpdate: {
    who: LEAD_OR_SECRETARY,
    on: async (ctx: Ctx, { projectId }: { projectId: string }) => leadScope(await findProject(ctx, projectId, 'projectId')),
    refusal: msg('project.leadOrSecretary'),
  },
  completeProject: { who: LEAD_OR_SECRETARY, on: projectArg, refusal: msg('project.leadOrSecretary') },
  cancelProject: { who: LEAD_OR_SECRETARY, on: projectArg, refusal: msg('project.leadOrSecretary') },
} satisfies PolicyTable;

/**
 * proposeProject's rule beyond roles for a person leading a project themself: they live in the
 * community (a resident's own initiative) or serve it (its secretary, an admin). Their display name
 * is then published with the project as its lead.
 */
export async function mayLeadProject(ctx: Ctx, communityId: string): Promise<void> {
  const roles = await viewerRoles(ctx);
  if (roles.isAdmin || roles.secretaryOf.has(communityId)) return;
  if (!(await isResident(ctx, communityId, roles.userId))) throw new ForbiddenError(msg('project.residentsLead'));
}
