import { Arg, Args, Ctx as Context, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { authorize, readerId } from '../auth/policy';
import { historyOf } from '../common/history';
import { byId } from '../common/loaders';
import { ConnectionType, pageArgsFactory } from '../common/pagination';
import { StatusChange } from '../common/status-change.entity';
import { DemandItem } from '../demand/demand-item.entity';
import { demandItemVisibility } from '../demand/demand.visibility';
import { findCommunity } from '../communities/communities.service';
import { Community } from '../communities/community.entity';
import type { Ctx } from '../context';
import { User } from '../users/user.entity';
import { Residency } from './residency.entity';
import { mayRequest, RESIDENTS_POLICY as may } from './residents.policy';
import * as requests from './requests.service';
import { RequestRating, ResidentRequest } from './resident-request.entity';
import { ResidentRequestFilter, SubmitRequestInput, TriageRequestInput } from './residents.inputs';
import * as residents from './residents.service';
import { requestVisibility, visibleResidencies, volunteerRecordVisibility } from './residents.visibility';
import { VolunteerRecord, volunteerRecordLoader } from './volunteer-record.service';

@Resolver(() => Residency)
export class ResidencyResolver {
  @Mutation(() => Residency)
  async joinCommunity(
    @Arg('communityId', () => ID) communityId: string,
    @Arg('building', () => String, { nullable: true }) building: string | null,
    @Context() ctx: Ctx,
  ) {
    const { roles } = await authorize(ctx, may.joinCommunity, { communityId });
    return residents.join(ctx, communityId, roles.userId, building);
  }

  @Mutation(() => Boolean)
  async leaveCommunity(@Arg('communityId', () => ID) communityId: string, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.leaveCommunity, { communityId });
    return residents.leave(ctx, communityId, roles.userId);
  }

  @Mutation(() => Residency)
  async verifyResident(@Arg('communityId', () => ID) communityId: string, @Arg('userId', () => ID) userId: string, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.verifyResident, { communityId });
    return residents.verify(ctx, communityId, userId, roles.userId);
  }

  @FieldResolver(() => Community)
  community(@Root() residency: Residency, @Context() ctx: Ctx) {
    return findCommunity(ctx, residency.communityId);
  }
}

/** `User.residencies` and `User.volunteerRecord`: kept here so that users/ knows nothing of residents. */
@Resolver(() => User)
export class UserResidenciesResolver {
  @FieldResolver(() => [Residency], { description: "Communities this user lives in (the user, the community's secretaries and admins only)." })
  async residencies(@Root() user: User, @Context() ctx: Ctx) {
    return visibleResidencies(ctx, await residents.residenciesOf(ctx, user.id));
  }

  @FieldResolver(() => VolunteerRecord, {
    nullable: true,
    description: "What this person did as a volunteer, in figures (the person, the secretaries of the communities they volunteered in and admins; null for everyone else).",
  })
  async volunteerRecord(@Root() user: User, @Context() ctx: Ctx): Promise<VolunteerRecord | null> {
    // Anonymous readers never see one: no statement for them.
    if (!readerId(ctx)) return null;
    const record = await volunteerRecordLoader(ctx).load(user.id);
    return (await volunteerRecordVisibility(ctx, user.id, record)).row ? record : null;
  }
}

const ResidentRequestConnection = ConnectionType(ResidentRequest, 'ResidentRequest');
const RequestPageArgs = pageArgsFactory(20);

@Resolver(() => ResidentRequest)
export class ResidentRequestResolver {
  @Query(() => ResidentRequest, { nullable: true })
  residentRequest(@Arg('id', () => ID) id: string, @Context() ctx: Ctx) {
    return requests.requestFor(ctx, id);
  }

  @Query(() => ResidentRequestConnection, { description: 'Oldest first. The triage queue (status: [SUBMITTED]) most urgent first: a repair counts as three days older than it is, a complaint two, a wish one, a suggestion none.' })
  residentRequests(
    @Arg('filter', () => ResidentRequestFilter, { nullable: true }) filter: ResidentRequestFilter | null,
    @Args(() => RequestPageArgs) page: InstanceType<typeof RequestPageArgs>,
    @Context() ctx: Ctx,
  ) {
    return requests.listRequests(ctx, filter, page);
  }

  @Mutation(() => ResidentRequest)
  async submitRequest(@Arg('input', () => SubmitRequestInput) input: SubmitRequestInput, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.submitRequest, { input });
    await mayRequest(ctx, input.communityId, roles.userId);
    return requests.submit(ctx, input, roles.userId);
  }

  @Mutation(() => ResidentRequest)
  async triageRequest(@Arg('input', () => TriageRequestInput) input: TriageRequestInput, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.triageRequest, { input });
    return requests.triage(ctx, input, roles.userId);
  }

  @Mutation(() => ResidentRequest, { description: 'The volunteer, partner or secretary reports the work done.' })
  async reportRequestDone(@Arg('id', () => ID) id: string, @Arg('note', () => String, { nullable: true }) note: string | null, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.reportRequestDone, { id });
    return requests.reportDone(ctx, id, note, roles.userId);
  }

  @Mutation(() => ResidentRequest, { description: '验收: accept -> RESOLVED; otherwise back to IN_PROGRESS with the note.' })
  async inspectRequest(
    @Arg('id', () => ID) id: string,
    @Arg('accept') accept: boolean,
    @Arg('note', () => String, { nullable: true }) note: string | null,
    @Context() ctx: Ctx,
  ) {
    const { roles } = await authorize(ctx, may.inspectRequest, { id });
    return requests.inspect(ctx, id, accept, note, roles.userId);
  }

  @Mutation(() => ResidentRequest, { description: 'The requester rates a RESOLVED request once.' })
  async rateRequest(@Arg('id', () => ID) id: string, @Arg('score', () => Int) score: number, @Arg('comment', () => String, { nullable: true }) comment: string | null, @Context() ctx: Ctx) {
    await authorize(ctx, may.rateRequest, { id });
    return requests.rate(ctx, id, score, comment);
  }

  @FieldResolver(() => Community)
  community(@Root() request: ResidentRequest, @Context() ctx: Ctx) {
    return findCommunity(ctx, request.communityId);
  }

  @FieldResolver(() => User, { nullable: true, description: "Only the requester, the community's secretaries and admins see who raised it." })
  async requester(@Root() request: ResidentRequest, @Context() ctx: Ctx) {
    return (await requestVisibility(ctx, request)).field('requester') ? byId(ctx, User).load(request.requesterId) : null;
  }

  @FieldResolver(() => String, { nullable: true })
  async building(@Root() request: ResidentRequest, @Context() ctx: Ctx) {
    return (await requestVisibility(ctx, request)).field('building') ? request.building : null;
  }

  @FieldResolver(() => String, { nullable: true })
  async declineReason(@Root() request: ResidentRequest, @Context() ctx: Ctx) {
    return (await requestVisibility(ctx, request)).field('declineReason') ? request.declineReason : null;
  }

  @FieldResolver(() => DemandItem, { nullable: true, description: 'The demand item it became (or was merged into).' })
  demand(@Root() request: ResidentRequest, @Context() ctx: Ctx) {
    return request.demandId ? byId(ctx, DemandItem).load(request.demandId) : null;
  }

  @FieldResolver(() => RequestRating, { nullable: true, description: "The requester's rating once resolved." })
  async rating(@Root() request: ResidentRequest, @Context() ctx: Ctx): Promise<RequestRating | null> {
    if (request.ratingScore == null || !request.ratedAt) return null;
    // The score is the public outcome; the comment is the requester's own words (residents.visibility.ts).
    const comment = (await requestVisibility(ctx, request)).field('rating { comment }') ? request.ratingComment : null;
    return Object.assign(new RequestRating(), { communityId: request.communityId, score: request.ratingScore, comment, createdAt: request.ratedAt });
  }

  @FieldResolver(() => [StatusChange])
  async history(@Root() request: ResidentRequest, @Context() ctx: Ctx) {
    return historyOf(ctx, request.id, (await requestVisibility(ctx, request)).field('history { note by }'));
  }
}

/** `DemandItem.requests` and `requestCount`: kept here so that demand/ knows nothing of residents. */
@Resolver(() => DemandItem)
export class DemandItemRequestsResolver {
  @FieldResolver(() => [ResidentRequest], { description: "The residents' requests that led to this item (secretaries and admins; others get the count)." })
  async requests(@Root() item: DemandItem, @Context() ctx: Ctx) {
    if (!(await demandItemVisibility(ctx, item)).field('requests')) return [];
    return requests.requestsOnItem(ctx, item.id);
  }

  @FieldResolver(() => Int)
  async requestCount(@Root() item: DemandItem, @Context() ctx: Ctx) {
    return (await requests.requestsOnItem(ctx, item.id)).length;
  }
}
