import { Ctx as Context, FieldResolver, Resolver, Root } from 'type-graphql';
import { linked } from '../common/loaders';
import { Community, CommunitySecretary } from '../communities/community.entity';
import type { Ctx } from '../context';
import { Partner, PartnerMember } from '../partners/partner.entity';
import { PartnerInvitation } from '../partners/partner-invitation.entity';
import { pendingInvitationsOf } from '../partners/invitations.service';
import { User } from './user.entity';
import { userVisibility } from './users.visibility';

@Resolver(() => User)
export class UserResolver {
  @FieldResolver(() => String, { nullable: true, description: 'Visible to the user themself and to admins only; null for everyone else.' })
  async email(@Root() user: User, @Context() ctx: Ctx) {
    return (await userVisibility(ctx, user)).field('email') ? user.email : null;
  }

  @FieldResolver(() => Boolean, { description: 'Registered by a partner owner without an e-mail account: cannot sign in; the owner logs hours for them.' })
  managed(@Root() user: User): boolean {
    return Boolean(user.managedByPartnerId);
  }

  @FieldResolver(() => [Community])
  secretaryOf(@Root() user: User, @Context() ctx: Ctx) {
    return linked(ctx, 'communitiesBySecretary', CommunitySecretary, 'userId', 'communityId', Community).load(user.id);
  }

  @FieldResolver(() => [Partner], { description: 'Signed-in users only; empty for anonymous readers.' })
  async partners(@Root() user: User, @Context() ctx: Ctx) {
    if (!(await userVisibility(ctx, user)).field('partners')) return [];
    return linked(ctx, 'partnersByMember', PartnerMember, 'userId', 'partnerId', Partner).load(user.id);
  }

  @FieldResolver(() => [PartnerInvitation], { description: "The signed-in user's own pending invitations (empty for anyone else)." })
  invitations(@Root() user: User, @Context() ctx: Ctx) {
    return pendingInvitationsOf(ctx, user);
  }
}
