import { Arg, Args, Ctx as Context, Field, FieldResolver, ID, Int, Mutation, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import { signedIn } from '../auth/policy';
import { byId } from '../common/loaders';
import { ConnectionType, pageArgsFactory } from '../common/pagination';
import { Community } from '../communities/community.entity';
import type { Ctx } from '../context';
import { Match } from '../demand/match.entity';
import { Partnership } from '../partners/partner.entity';
import { ServiceLog } from '../service-hours/service-log.entity';
import { Booking } from '../spaces/booking.entity';
import { SpaceContract } from '../spaces/space-contract.entity';
import { topics, type LiveEvent, type Refs } from './events';
import { freshLoaders, subscribeAsSecretary, subscribeInbox, subscribeMyRequests, subscribePartnerActivity } from './live.service';
import { ResidentRequest } from '../residents/resident-request.entity';
import { renderStored } from '../i18n/messages';
import { Notification } from './notification.entity';
import * as notifications from './notifications.service';

const NotificationConnection = ConnectionType(Notification, 'Notification');
const NotificationPageArgs = pageArgsFactory(20);

@Resolver(() => Notification)
export class NotificationResolver {
  @Query(() => NotificationConnection, { description: "The signed-in user's notifications, newest first." })
  notifications(
    @Arg('unreadOnly', () => Boolean, { nullable: true, defaultValue: false }) unreadOnly: boolean | null,
    @Args(() => NotificationPageArgs) page: InstanceType<typeof NotificationPageArgs>,
    @Context() ctx: Ctx,
  ) {
    return notifications.listNotifications(ctx, signedIn(ctx), !!unreadOnly, page);
  }

  @Mutation(() => Int, { description: 'Returns how many were marked.' })
  markNotificationsRead(@Arg('ids', () => [ID]) ids: string[], @Context() ctx: Ctx) {
    return notifications.markNotificationsRead(ctx, signedIn(ctx), ids);
  }

  /** Written as a message id with values (src/i18n): rendered in the reader's language; old rows keep their text. */
  @FieldResolver(() => String)
  message(@Root() n: Notification, @Context() ctx: Ctx): string {
    return n.messageId ? renderStored(ctx.locale, n.messageId, n.messageValues) ?? n.message : n.message;
  }

  @FieldResolver(() => Match, { nullable: true })
  match(@Root() n: Notification, @Context() ctx: Ctx) {
    return n.matchId ? byId(ctx, Match).load(n.matchId) : null;
  }

  @FieldResolver(() => SpaceContract, { nullable: true })
  contract(@Root() n: Notification, @Context() ctx: Ctx) {
    return n.contractId ? byId(ctx, SpaceContract).load(n.contractId) : null;
  }

  @FieldResolver(() => Booking, { nullable: true })
  booking(@Root() n: Notification, @Context() ctx: Ctx) {
    return n.bookingId ? byId(ctx, Booking).load(n.bookingId) : null;
  }

  @FieldResolver(() => ServiceLog, { nullable: true })
  serviceLog(@Root() n: Notification, @Context() ctx: Ctx) {
    return n.serviceLogId ? byId(ctx, ServiceLog).load(n.serviceLogId) : null;
  }

  @FieldResolver(() => Partnership, { nullable: true })
  partnership(@Root() n: Notification, @Context() ctx: Ctx) {
    return n.partnershipId ? byId(ctx, Partnership).load(n.partnershipId) : null;
  }

  @FieldResolver(() => Community, { nullable: true, description: 'The community where it happened.' })
  community(@Root() n: Notification, @Context() ctx: Ctx) {
    return n.communityId ? byId(ctx, Community).load(n.communityId) : null;
  }
}

@ObjectType({ description: "Something that happened to one of a partner's matches, contracts, bookings or partnerships." })
export class PartnerActivityEvent {
  @Field({ description: '`<OBJECT>_<NEW STATUS>`, e.g. PARTNERSHIP_ACTIVE (see docs/live.md).' })
  kind: string;

  @Field()
  at: Date;

  communityId: string | null;

  /** What it is about; field resolvers load the rows. */
  refs: Refs;
}

export function activityEvent(event: LiveEvent): PartnerActivityEvent {
  return Object.assign(new PartnerActivityEvent(), {
    kind: event.kind,
    at: new Date(event.at),
    communityId: event.communityId ?? null,
    refs: event.refs ?? {},
  });
}

@Resolver(() => PartnerActivityEvent)
export class PartnerActivityEventResolver {
  @FieldResolver(() => Match, { nullable: true })
  match(@Root() e: PartnerActivityEvent, @Context() ctx: Ctx) {
    return e.refs.matchId ? byId(ctx, Match).load(e.refs.matchId) : null;
  }

  @FieldResolver(() => SpaceContract, { nullable: true })
  contract(@Root() e: PartnerActivityEvent, @Context() ctx: Ctx) {
    return e.refs.contractId ? byId(ctx, SpaceContract).load(e.refs.contractId) : null;
  }

  @FieldResolver(() => Booking, { nullable: true })
  booking(@Root() e: PartnerActivityEvent, @Context() ctx: Ctx) {
    return e.refs.bookingId ? byId(ctx, Booking).load(e.refs.bookingId) : null;
  }

  @FieldResolver(() => Partnership, { nullable: true })
  partnership(@Root() e: PartnerActivityEvent, @Context() ctx: Ctx) {
    return e.refs.partnershipId ? byId(ctx, Partnership).load(e.refs.partnershipId) : null;
  }

  @FieldResolver(() => Community, { nullable: true })
  community(@Root() e: PartnerActivityEvent, @Context() ctx: Ctx) {
    return e.communityId ? byId(ctx, Community).load(e.communityId) : null;
  }
}

type SubscribeData = { args: Record<string, string>; context: Ctx };

@Resolver()
export class LiveResolver {
  @Subscription(() => Match, {
    description: 'Fires when a match of this community enters or leaves PENDING_REVIEW (secretaries of it only).',
    subscribe: ({ args, context }: SubscribeData) => subscribeAsSecretary(context, args.communityId, topics.reviewQueue(args.communityId)),
  })
  reviewQueueChanged(@Arg('communityId', () => ID) _communityId: string, @Root() event: LiveEvent, @Context() ctx: Ctx) {
    freshLoaders(ctx);
    return byId(ctx, Match).load(event.refs.matchId!);
  }

  @Subscription(() => PartnerActivityEvent, {
    description: "Fires on every status change of this partner's matches, contracts and bookings' cancellations (its members only).",
    subscribe: ({ args, context }: SubscribeData) => subscribePartnerActivity(context, args.partnerId),
  })
  partnerActivity(@Arg('partnerId', () => ID) _partnerId: string, @Root() event: LiveEvent, @Context() ctx: Ctx): PartnerActivityEvent {
    freshLoaders(ctx);
    return activityEvent(event);
  }

  @Subscription(() => Partnership, {
    description: 'Fires when a partnership request of this community enters or leaves PENDING (secretaries of it only).',
    subscribe: ({ args, context }: SubscribeData) =>
      subscribeAsSecretary(context, args.communityId, topics.partnershipRequests(args.communityId)),
  })
  async partnershipRequestsChanged(@Arg('communityId', () => ID) _communityId: string, @Root() event: LiveEvent, @Context() ctx: Ctx) {
    freshLoaders(ctx);
    return byId(ctx, Partnership).load(event.refs.partnershipId!);
  }

  @Subscription(() => ResidentRequest, {
    description: 'Fires when a resident\'s request of this community enters SUBMITTED or leaves it (triaged); secretaries of it only.',
    subscribe: ({ args, context }: SubscribeData) => subscribeAsSecretary(context, args.communityId, topics.residentRequests(args.communityId)),
  })
  residentRequestsChanged(@Arg('communityId', () => ID) _communityId: string, @Root() event: LiveEvent, @Context() ctx: Ctx) {
    freshLoaders(ctx);
    return byId(ctx, ResidentRequest).load(event.refs.requestId!);
  }

  @Subscription(() => Notification, {
    description: "The signed-in user's notifications as they are written.",
    subscribe: ({ context }: SubscribeData) => subscribeInbox(context),
  })
  notificationReceived(@Root() event: LiveEvent, @Context() ctx: Ctx) {
    freshLoaders(ctx);
    return byId(ctx, Notification).load(event.refs.notificationId!);
  }

  @Subscription(() => ResidentRequest, {
    description: "Fires on every step of the signed-in user's own requests.",
    subscribe: ({ context }: SubscribeData) => subscribeMyRequests(context),
  })
  myRequestChanged(@Root() event: LiveEvent, @Context() ctx: Ctx) {
    freshLoaders(ctx);
    return byId(ctx, ResidentRequest).load(event.refs.requestId!);
  }
}
