import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx as Context, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { authorize, signedIn } from '../auth/policy';
import { historyOf } from '../common/history';
import { answerFromKept } from '../common/kept-answer';
import { byId } from '../common/loaders';
import { ConnectionType, pageArgsFactory } from '../common/pagination';
import { StatusChange } from '../common/status-change.entity';
import { Community } from '../communities/community.entity';
import type { Ctx } from '../context';
import { Match } from '../demand/match.entity';
import { SpaceContract } from '../spaces/space-contract.entity';
import { LocalDateScalar } from '../common/scalars';
import { Partner } from '../partners/partner.entity';
import { ReviewDecision } from '../common/review';
import { User } from '../users/user.entity';
import { ServiceLog } from './service-log.entity';
import { ContractObligation, LogServiceInput, ServiceHoursBucket, ServiceHoursSummaryInput, ServiceLogFilter } from './service-hours.inputs';
import { mayDecide, SERVICE_HOURS_POLICY as may } from './service-hours.policy';
import * as hours from './service-hours.service';

const ServiceLogConnection = ConnectionType(ServiceLog, 'ServiceLog');
const ServiceLogPageArgs = pageArgsFactory(50);

@Resolver(() => ServiceLog)
export class ServiceLogResolver {
  @Query(() => ServiceLog, { nullable: true, description: 'One service log, for its volunteer, its partner, its community or an admin.' })
  serviceLog(@Arg('id', () => ID) id: string, @Context() ctx: Ctx) {
    signedIn(ctx);
    return hours.serviceLog(ctx, id);
  }

  @Query(() => ServiceLogConnection, {
    description: 'Newest first. Without a filter: your own logs; naming a partner you belong to or a community you are secretary of: theirs.',
  })
  serviceLogs(
    @Arg('filter', () => ServiceLogFilter, { nullable: true }) filter: ServiceLogFilter | null,
    @Args(() => ServiceLogPageArgs) page: InstanceType<typeof ServiceLogPageArgs>,
    @Context() ctx: Ctx,
  ) {
    signedIn(ctx);
    return hours.listServiceLogs(ctx, filter, page);
  }

  @Query(() => [ServiceHoursBucket])
  async serviceHoursSummary(@Arg('input', () => ServiceHoursSummaryInput) input: ServiceHoursSummaryInput, @Context() ctx: Ctx, @Info() info: GraphQLResolveInfo) {
    // A kept answer: asked again, the same question is answered with the asking request's checks before execution (common/kept-answer.ts).
    return answerFromKept(info, ctx, (asking: Ctx) => {
      signedIn(asking);
      return hours.serviceHoursSummary(asking, input);
    });
  }

  @Mutation(() => ServiceLog)
  async logService(@Arg('input', () => LogServiceInput) input: LogServiceInput, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.logService, { input });
    return hours.logService(ctx, roles.userId, input);
  }

  @Mutation(() => ServiceLog)
  async verifyServiceLog(
    @Arg('id', () => ID) id: string,
    @Arg('decision', () => ReviewDecision) decision: ReviewDecision,
    @Arg('note', () => String, { nullable: true }) note: string | null,
    @Context() ctx: Ctx,
  ) {
    signedIn(ctx);
    const logs = await hours.logsToDecide(ctx, [id], note, 'id');
    const roles = await mayDecide(ctx, logs);
    const [log] = await hours.decideServiceLogs(ctx, [id], decision, note, roles.userId);
    return log;
  }

  @Mutation(() => [ServiceLog], { description: 'All or none.' })
  async verifyServiceLogs(
    @Arg('ids', () => [ID]) ids: string[],
    @Arg('decision', () => ReviewDecision) decision: ReviewDecision,
    @Arg('note', () => String, { nullable: true }) note: string | null,
    @Context() ctx: Ctx,
  ) {
    signedIn(ctx);
    const logs = await hours.logsToDecide(ctx, ids, note);
    const roles = await mayDecide(ctx, logs);
    return hours.decideServiceLogs(ctx, ids, decision, note, roles.userId);
  }

  @FieldResolver(() => User)
  volunteer(@Root() log: ServiceLog, @Context() ctx: Ctx) {
    return byId(ctx, User).load(log.volunteerId);
  }

  @FieldResolver(() => User, { nullable: true, description: 'Who logged it for its volunteer (an owner of its partner); null when the volunteer logged it.' })
  loggedBy(@Root() log: ServiceLog, @Context() ctx: Ctx) {
    return log.loggedById ? byId(ctx, User).load(log.loggedById) : null;
  }

  @FieldResolver(() => Partner, { nullable: true })
  partner(@Root() log: ServiceLog, @Context() ctx: Ctx) {
    return log.partnerId ? byId(ctx, Partner).load(log.partnerId) : null;
  }

  @FieldResolver(() => Match, { nullable: true })
  match(@Root() log: ServiceLog, @Context() ctx: Ctx) {
    return log.matchId ? byId(ctx, Match).load(log.matchId) : null;
  }

  @FieldResolver(() => SpaceContract, { nullable: true })
  contract(@Root() log: ServiceLog, @Context() ctx: Ctx) {
    return log.contractId ? byId(ctx, SpaceContract).load(log.contractId) : null;
  }

  @FieldResolver(() => Community)
  community(@Root() log: ServiceLog, @Context() ctx: Ctx) {
    return byId(ctx, Community).load(log.communityId);
  }

  @FieldResolver(() => User, { nullable: true, description: 'Who verified or rejected it.' })
  verifiedBy(@Root() log: ServiceLog, @Context() ctx: Ctx) {
    return log.verifiedById ? byId(ctx, User).load(log.verifiedById) : null;
  }

  @FieldResolver(() => [StatusChange])
  history(@Root() log: ServiceLog, @Context() ctx: Ctx) {
    return historyOf(ctx, log.id);
  }
}

/** Promised against delivered public-benefit sessions: the service-hours view of a space contract. */
@Resolver(() => SpaceContract)
export class ContractObligationsResolver {
  @FieldResolver(() => [ContractObligation], {
    description: "Promised against delivered public-benefit sessions, one row per month of the term within the range; as public as the contract (empty for a contract the reader may not see). The partner's own-use slots are not counted.",
  })
  obligations(
    @Root() contract: SpaceContract,
    @Arg('from', () => LocalDateScalar, { nullable: true }) from: string | null,
    @Arg('to', () => LocalDateScalar, { nullable: true }) to: string | null,
    @Context() ctx: Ctx,
  ) {
    return hours.contractObligations(ctx, contract, from, to);
  }
}
