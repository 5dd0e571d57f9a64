import { Arg, Ctx as Context, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { authorize } from '../auth/policy';
import { findCommunity } from '../communities/communities.service';
import { Community } from '../communities/community.entity';
import type { Ctx } from '../context';
import { User } from '../users/user.entity';
import { Residency } from './residency.entity';
import { RESIDENTS_POLICY as may } from './residents.policy';
import * as residents from './residents.service';
import { visibleResidencies } from './residents.visibility';

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

/** `User.residencies`: kept here so that users/ knows nothing of residents. */
@Resolver(() => User)
export class UserResidenciesResolver {
  @FieldResolver(() => [Residency], { description: "Communities this user lives in (the user, the community's secretaries and admins only)." })
  async residencies(@Root() user: User, @Context() ctx: Ctx) {
    return visibleResidencies(ctx, await residents.residenciesOf(ctx, user.id));
  }
}
