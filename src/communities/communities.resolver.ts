import { Arg, Args, Ctx as Context, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { authorize } from '../auth/policy';
import { byId, groupedBy, linked } from '../common/loaders';
import { ConnectionType, pageArgsFactory } from '../common/pagination';
import { DateTimeScalar } from '../common/scalars';
import type { Ctx } from '../context';
import { User } from '../users/user.entity';
import { Community, CommunitySecretary } from './community.entity';
import { CreateCommunityInput, CreateRoomInput, UpdateRoomInput } from './communities.inputs';
import { COMMUNITIES_POLICY as may } from './communities.policy';
import * as communities from './communities.service';
import { Room, SlotOccurrence } from './room.entity';

const CommunityConnection = ConnectionType(Community, 'Community');
const CommunityPageArgs = pageArgsFactory(20);

@Resolver(() => Community)
export class CommunityResolver {
  @Query(() => Community, { nullable: true })
  community(@Arg('id', () => ID) id: string, @Context() ctx: Ctx) {
    return byId(ctx, Community).load(id);
  }

  @Query(() => CommunityConnection)
  communities(@Args(() => CommunityPageArgs) page: InstanceType<typeof CommunityPageArgs>, @Context() ctx: Ctx) {
    return communities.listCommunities(ctx, page);
  }

  @Mutation(() => Community)
  async createCommunity(@Arg('input', () => CreateCommunityInput) input: CreateCommunityInput, @Context() ctx: Ctx) {
    await authorize(ctx, may.createCommunity, {});
    return communities.createCommunity(ctx, input);
  }

  @Mutation(() => Community)
  async appointSecretary(@Arg('communityId', () => ID) communityId: string, @Arg('userId', () => ID) userId: string, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.appointSecretary, {});
    return communities.appointSecretary(ctx, communityId, userId, roles.userId);
  }

  @FieldResolver(() => [Room])
  rooms(@Root() community: Community, @Context() ctx: Ctx) {
    return groupedBy(ctx, Room, 'communityId', { name: 'ASC' }).load(community.id);
  }

  @FieldResolver(() => [User])
  secretaries(@Root() community: Community, @Context() ctx: Ctx) {
    return linked(ctx, 'secretariesByCommunity', CommunitySecretary, 'communityId', 'userId', User).load(community.id);
  }
}

@Resolver(() => Room)
export class RoomResolver {
  @Query(() => Room, { nullable: true })
  room(@Arg('id', () => ID) id: string, @Context() ctx: Ctx) {
    return byId(ctx, Room).load(id);
  }

  @Mutation(() => Room)
  async createRoom(@Arg('input', () => CreateRoomInput) input: CreateRoomInput, @Context() ctx: Ctx) {
    await authorize(ctx, may.createRoom, { input });
    return communities.createRoom(ctx, input);
  }

  @Mutation(() => Room)
  async updateRoom(@Arg('id', () => ID) id: string, @Arg('input', () => UpdateRoomInput) input: UpdateRoomInput, @Context() ctx: Ctx) {
    await authorize(ctx, may.updateRoom, { id });
    return communities.updateRoom(ctx, await communities.findRoom(ctx, id), input);
  }

  @FieldResolver(() => Community)
  community(@Root() room: Room, @Context() ctx: Ctx) {
    return communities.findCommunity(ctx, room.communityId);
  }

  @FieldResolver(() => [SlotOccurrence], { description: 'Every slot occurrence between from and to, free or taken (at most 92 days).' })
  availability(
    @Root() room: Room,
    @Arg('from', () => DateTimeScalar) from: Date,
    @Arg('to', () => DateTimeScalar) to: Date,
    @Context() ctx: Ctx,
  ) {
    return communities.roomAvailability(ctx, room, from, to);
  }
}
