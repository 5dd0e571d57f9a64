import { Arg, Args, Ctx as Context, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { authorize } from '../auth/policy';
import { historyOf } from '../common/history';
import { byId } from '../common/loaders';
import { ConnectionType, pageArgsFactory } from '../common/pagination';
import { DateTimeScalar } from '../common/scalars';
import { StatusChange } from '../common/status-change.entity';
import { findCommunity } from '../communities/communities.service';
import { Community } from '../communities/community.entity';
import type { Ctx } from '../context';
import { DemandItem } from '../demand/demand-item.entity';
import { Project } from '../projects/project.entity';
import { User } from '../users/user.entity';
import { AgendaItem, AgendaStatus, Opinion, Stance } from './agenda-item.entity';
import { ProposeAgendaItemInput, RecordDecisionInput } from './agendas.inputs';
import { AGENDAS_POLICY as may, mayPropose, mayVoice } from './agendas.policy';
import * as agendas from './agendas.service';
import { agendaVisibility } from './agendas.visibility';

const AgendaItemConnection = ConnectionType(AgendaItem, 'AgendaItem');
const OpinionConnection = ConnectionType(Opinion, 'Opinion');
const AgendaPageArgs = pageArgsFactory(20);

@Resolver(() => AgendaItem)
export class AgendaItemResolver {
  @Query(() => AgendaItem, { nullable: true })
  agendaItem(@Arg('id', () => ID) id: string, @Context() ctx: Ctx) {
    return agendas.agendaItemFor(ctx, id);
  }

  @Query(() => AgendaItemConnection, { description: "A community's agenda, newest first (a resident's proposal waiting for approval: its proposer, the secretaries and admins only)." })
  agendaItems(
    @Arg('communityId', () => ID) communityId: string,
    @Arg('status', () => AgendaStatus, { nullable: true }) status: AgendaStatus | null,
    @Args(() => AgendaPageArgs) page: InstanceType<typeof AgendaPageArgs>,
    @Context() ctx: Ctx,
  ) {
    return agendas.listAgendaItems(ctx, communityId, status, page);
  }

  @Mutation(() => AgendaItem, { description: "A secretary's item opens for opinions at once; a verified resident's waits for the secretary's approval (PROPOSED)." })
  async proposeAgendaItem(@Arg('input', () => ProposeAgendaItemInput) input: ProposeAgendaItemInput, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.proposeAgendaItem, { input });
    await mayPropose(ctx, input.communityId, roles);
    return agendas.propose(ctx, input, roles);
  }

  @Mutation(() => AgendaItem, { description: "The secretary opens a resident's proposal for opinions (a new closing time if given). Declining it: withdrawAgendaItem." })
  async approveAgendaItem(
    @Arg('id', () => ID) id: string,
    @Arg('opinionsCloseAt', () => DateTimeScalar, { nullable: true }) opinionsCloseAt: Date | null,
    @Context() ctx: Ctx,
  ) {
    const { roles } = await authorize(ctx, may.approveAgendaItem, { id });
    return agendas.approve(ctx, id, opinionsCloseAt, roles.userId);
  }

  @Mutation(() => Opinion, { description: "A resident's opinion; voicing again replaces it, until the item closes." })
  async voiceOpinion(
    @Arg('agendaItemId', () => ID) agendaItemId: string,
    @Arg('stance', () => Stance) stance: Stance,
    @Arg('text', () => String, { nullable: true }) text: string | null,
    @Arg('anonymous', () => Boolean, { nullable: true, defaultValue: false }) anonymous: boolean | null,
    @Context() ctx: Ctx,
  ) {
    const { roles, scope } = await authorize(ctx, may.voiceOpinion, { agendaItemId });
    await mayVoice(ctx, scope.communityId!, roles.userId);
    return agendas.voice(ctx, agendaItemId, stance, text, anonymous ?? false, roles.userId);
  }

  @Mutation(() => AgendaItem, { description: "The meeting's decision, any time while the item is open (opinions stop then)." })
  async recordDecision(@Arg('input', () => RecordDecisionInput) input: RecordDecisionInput, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.recordDecision, { input });
    return agendas.recordDecision(ctx, input, roles.userId);
  }

  @Mutation(() => AgendaItem, { description: 'Withdraws an open item, or declines a proposal, with the reason residents read.' })
  async withdrawAgendaItem(@Arg('id', () => ID) id: string, @Arg('reason') reason: string, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.withdrawAgendaItem, { id });
    return agendas.withdraw(ctx, id, reason, roles.userId);
  }

  @FieldResolver(() => Community)
  community(@Root() item: AgendaItem, @Context() ctx: Ctx) {
    return findCommunity(ctx, item.communityId);
  }

  @FieldResolver(() => Boolean, { description: 'Whether residents may voice opinions now: open, and before `opinionsCloseAt` (after it, the item waits for its meeting).' })
  opinionsOpen(@Root() item: AgendaItem): boolean {
    return agendas.takesOpinions(item);
  }

  @FieldResolver(() => Int)
  async support(@Root() item: AgendaItem, @Context() ctx: Ctx) {
    return (await agendas.opinionCounts(ctx, item.id)).support;
  }

  @FieldResolver(() => Int)
  async oppose(@Root() item: AgendaItem, @Context() ctx: Ctx) {
    return (await agendas.opinionCounts(ctx, item.id)).oppose;
  }

  @FieldResolver(() => Int)
  async neutral(@Root() item: AgendaItem, @Context() ctx: Ctx) {
    return (await agendas.opinionCounts(ctx, item.id)).neutral;
  }

  @FieldResolver(() => OpinionConnection, { description: 'Oldest first; texts are public, the names of anonymous authors never.' })
  opinions(@Root() item: AgendaItem, @Args(() => AgendaPageArgs) page: InstanceType<typeof AgendaPageArgs>, @Context() ctx: Ctx) {
    return agendas.opinionsOf(ctx, item.id, page);
  }

  @FieldResolver(() => Opinion, { nullable: true, description: "The signed-in user's own opinion, if any." })
  myOpinion(@Root() item: AgendaItem, @Context() ctx: Ctx) {
    return agendas.myOpinion(ctx, item.id);
  }

  @FieldResolver(() => [DemandItem], { description: 'The demand items the decision created.' })
  linkedDemands(@Root() item: AgendaItem, @Context() ctx: Ctx) {
    return agendas.linkedDemands(ctx, item.id);
  }

  @FieldResolver(() => [Project], { description: 'The projects the decision created, those the reader may see (a proposal not yet approved: its lead, the secretaries and admins).' })
  linkedProjects(@Root() item: AgendaItem, @Context() ctx: Ctx) {
    return agendas.linkedProjects(ctx, item.id);
  }

  @FieldResolver(() => [StatusChange])
  async history(@Root() item: AgendaItem, @Context() ctx: Ctx) {
    return historyOf(ctx, item.id, (await agendaVisibility(ctx, item)).field('history { note by }'));
  }
}

@Resolver(() => Opinion)
export class OpinionResolver {
  @FieldResolver(() => String, { nullable: true, description: 'Display name only; null when the author chose to stay anonymous.' })
  async authorName(@Root() opinion: Opinion, @Context() ctx: Ctx) {
    if (opinion.anonymous) return null;
    if (opinion.authorNameFetched !== undefined) return opinion.authorNameFetched;
    return (await byId(ctx, User).load(opinion.authorId))?.displayName ?? null;
  }
}
