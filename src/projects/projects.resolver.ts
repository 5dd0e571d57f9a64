import { Arg, Args, Ctx as Context, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { authorize } from '../auth/policy';
import { historyOf } from '../common/history';
import { byId } from '../common/loaders';
import { ConnectionType, pageArgsFactory } from '../common/pagination';
import { ReviewDecision } from '../common/review';
import { StatusChange } from '../common/status-change.entity';
import { findCommunity } from '../communities/communities.service';
import { Community } from '../communities/community.entity';
import type { Ctx } from '../context';
import { DemandItem } from '../demand/demand-item.entity';
import { Partner } from '../partners/partner.entity';
import { User } from '../users/user.entity';
import { Project, ProjectStatus, ProjectUpdate } from './project.entity';
import { ProposeProjectInput } from './projects.inputs';
import { mayLeadProject, PROJECTS_POLICY as may } from './projects.policy';
import * as projects from './projects.service';
import { projectVisibility } from './projects.visibility';

const ProjectConnection = ConnectionType(Project, 'Project');
const ProjectPageArgs = pageArgsFactory(20);

@Resolver(() => Project)
export class ProjectResolver {
  @Query(() => Project, { nullable: true })
  project(@Arg('id', () => ID) id: string, @Context() ctx: Ctx) {
    return projects.projectFor(ctx, id);
  }

  @Query(() => ProjectConnection, { description: "Oldest first, like every list. Proposals and projects rejected at review: their lead's, the community's secretaries' and admins' only." })
  projects(
    @Arg('communityId', () => ID) communityId: string,
    @Arg('status', () => [ProjectStatus], { nullable: true }) status: ProjectStatus[] | null,
    @Args(() => ProjectPageArgs) page: InstanceType<typeof ProjectPageArgs>,
    @Context() ctx: Ctx,
  ) {
    return projects.listProjects(ctx, communityId, status, page);
  }

  @Mutation(() => Project)
  async proposeProject(@Arg('input', () => ProposeProjectInput) input: ProposeProjectInput, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.proposeProject, { input });
    if (!input.leadPartnerId) await mayLeadProject(ctx, input.communityId);
    return projects.propose(ctx, input, roles.userId);
  }

  @Mutation(() => Project)
  async reviewProject(
    @Arg('id', () => ID) id: string,
    @Arg('decision', () => ReviewDecision) decision: ReviewDecision,
    @Arg('note', () => String, { nullable: true }) note: string | null,
    @Context() ctx: Ctx,
  ) {
    const { roles } = await authorize(ctx, may.reviewProject, { id });
    return projects.review(ctx, id, decision, note, roles.userId);
  }

  @Mutation(() => Project)
  async postProjectUpdate(
    @Arg('projectId', () => ID) projectId: string,
    @Arg('text') text: string,
    @Arg('progressPercent', () => Int) progressPercent: number,
    @Context() ctx: Ctx,
  ) {
    const { roles } = await authorize(ctx, may.postProjectUpdate, { projectId });
    return projects.postUpdate(ctx, projectId, text, progressPercent, roles.userId);
  }

  @Mutation(() => Project)
  async completeProject(@Arg('id', () => ID) id: string, @Arg('summary') summary: string, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.completeProject, { id });
    return projects.complete(ctx, id, summary, roles.userId);
  }

  @Mutation(() => Project)
  async cancelProject(@Arg('id', () => ID) id: string, @Arg('reason') reason: string, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.cancelProject, { id });
    return projects.cancel(ctx, id, reason, roles.userId);
  }

  @FieldResolver(() => Community)
  community(@Root() project: Project, @Context() ctx: Ctx) {
    return findCommunity(ctx, project.communityId);
  }

  @FieldResolver(() => Partner, { nullable: true })
  leadPartner(@Root() project: Project, @Context() ctx: Ctx) {
    return project.leadPartnerId ? byId(ctx, Partner).load(project.leadPartnerId) : null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Display name of the person leading it, when no partner leads it (a person leading a project publishes their display name with it).' })
  async leadPersonName(@Root() project: Project, @Context() ctx: Ctx) {
    return project.leadUserId ? ((await byId(ctx, User).load(project.leadUserId))?.displayName ?? null) : null;
  }

  @FieldResolver(() => [DemandItem])
  demands(@Root() project: Project, @Context() ctx: Ctx) {
    return projects.demandsOf(ctx, project.id);
  }

  @FieldResolver(() => [ProjectUpdate], { description: 'Progress updates, oldest first.' })
  updates(@Root() project: Project, @Context() ctx: Ctx) {
    return projects.updatesOf(ctx, project.id);
  }

  @FieldResolver(() => [StatusChange])
  async history(@Root() project: Project, @Context() ctx: Ctx) {
    return historyOf(ctx, project.id, (await projectVisibility(ctx, project)).field('history { note by }'));
  }
}

@Resolver(() => ProjectUpdate)
export class ProjectUpdateResolver {
  @FieldResolver(() => String, { description: "The lead partner's name when one of its members wrote it; otherwise the author's display name (the person leading it, a secretary)." })
  async authorName(@Root() update: ProjectUpdate, @Context() ctx: Ctx) {
    if (update.asPartnerId) return (await byId(ctx, Partner).load(update.asPartnerId))?.name ?? '';
    return (await byId(ctx, User).load(update.authorId))?.displayName ?? '';
  }
}
