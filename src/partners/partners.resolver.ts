import { Arg, Args, Ctx as Context, Field, FieldResolver, ID, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { authorize } from '../auth/policy';
import { byId, groupedBy } from '../common/loaders';
import { ConnectionType, pageArgsFactory } from '../common/pagination';
import { StatusChange } from '../common/status-change.entity';
import { historyOf } from '../common/history';
import { Community } from '../communities/community.entity';
import { findCommunity } from '../communities/communities.service';
import type { Ctx } from '../context';
import { User } from '../users/user.entity';
import { Partner, PartnerMember, PartnerRole, Partnership, PartnershipStatus } from './partner.entity';
import { PartnerStats, partnerStatsLoader } from './partner-stats.service';
import { ReviewDecision } from '../common/review';
import { PartnerFilter, RegisterPartnerInput } from './partners.inputs';
import { PARTNERS_POLICY as may } from './partners.policy';
import * as partners from './partners.service';
import * as invitations from './invitations.service';
import { PartnerInvitation } from './partner-invitation.entity';
import { partnershipVisibility, partnerVisibility, visiblePartnerships } from './partners.visibility';

@ObjectType('PartnerMember')
class PartnerMemberView {
  @Field(() => User)
  user: User;

  @Field(() => PartnerRole)
  role: PartnerRole;
}

const PartnerConnection = ConnectionType(Partner, 'Partner');
const PartnerPageArgs = pageArgsFactory(20);

@Resolver(() => Partner)
export class PartnerResolver {
  @Query(() => Partner, { nullable: true })
  partner(@Arg('id', () => ID) id: string, @Context() ctx: Ctx) {
    return byId(ctx, Partner).load(id);
  }

  @Query(() => PartnerConnection)
  partners(
    @Arg('filter', () => PartnerFilter, { nullable: true }) filter: PartnerFilter | null,
    @Args(() => PartnerPageArgs) page: InstanceType<typeof PartnerPageArgs>,
    @Context() ctx: Ctx,
  ) {
    return partners.listPartners(ctx, filter, page);
  }

  @Mutation(() => Partner)
  async registerPartner(@Arg('input', () => RegisterPartnerInput) input: RegisterPartnerInput, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.registerPartner, {});
    return partners.registerPartner(ctx, roles.userId, input);
  }

  /**
   * Kept for older clients with its signature, but nobody becomes a member without consent any
   * more: it invites exactly as invitePartnerMember does and answers the partner unchanged (its
   * members include the invitee once they accept).
   */
  @Mutation(() => Partner, {
    description: 'Kept for older clients: invites exactly as invitePartnerMember does (nobody becomes a member without accepting) and answers the partner.',
  })
  async addPartnerMember(
    @Arg('partnerId', () => ID) partnerId: string,
    @Arg('email') email: string,
    @Arg('role', () => PartnerRole, { nullable: true, defaultValue: PartnerRole.MEMBER }) role: PartnerRole | null,
    @Context() ctx: Ctx,
  ) {
    await authorize(ctx, may.addPartnerMember, { partnerId });
    await this.invitePartnerMember(partnerId, email, role, null, ctx);
    return partners.findPartner(ctx, partnerId, 'partnerId');
  }

  @Mutation(() => PartnerInvitation, {
    description:
      'Answers the same whether or not the e-mail has an account yet; the invitation waits for it. With managedMemberId (a member registered without an e-mail), signing up with this e-mail takes that member over: their logs and membership become the new account\'s.',
  })
  async invitePartnerMember(
    @Arg('partnerId', () => ID) partnerId: string,
    @Arg('email') email: string,
    @Arg('role', () => PartnerRole, { nullable: true, defaultValue: PartnerRole.MEMBER }) role: PartnerRole | null,
    @Arg('managedMemberId', () => ID, { nullable: true }) managedMemberId: string | null,
    @Context() ctx: Ctx,
  ) {
    const { roles } = await authorize(ctx, may.invitePartnerMember, { partnerId });
    return invitations.invite(ctx, await partners.findPartner(ctx, partnerId), email, role ?? PartnerRole.MEMBER, roles.userId, managedMemberId ?? null);
  }

  @Mutation(() => PartnerMemberView, {
    description:
      'A partner owner registers a member without an e-mail account (staff the owner logs hours for); they may claim the account later through an invitation to an e-mail.',
  })
  async addManagedMember(@Arg('partnerId', () => ID) partnerId: string, @Arg('displayName') displayName: string, @Context() ctx: Ctx): Promise<PartnerMemberView> {
    await authorize(ctx, may.addManagedMember, { partnerId });
    return invitations.addManagedMember(ctx, await partners.findPartner(ctx, partnerId), displayName);
  }

  @Mutation(() => PartnerInvitation)
  respondToInvitation(@Arg('id', () => ID) id: string, @Arg('accept') accept: boolean, @Context() ctx: Ctx) {
    return invitations.respond(ctx, id, accept);
  }

  @Mutation(() => PartnerInvitation)
  async revokeInvitation(@Arg('id', () => ID) id: string, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.revokeInvitation, { id });
    return invitations.revoke(ctx, id, roles.userId);
  }

  @Mutation(() => Boolean)
  async leavePartner(@Arg('partnerId', () => ID) partnerId: string, @Context() ctx: Ctx) {
    await authorize(ctx, may.leavePartner, { partnerId });
    return invitations.leave(ctx, await partners.findPartner(ctx, partnerId));
  }

  @FieldResolver(() => [PartnerMemberView], { description: 'Signed-in users only (people); empty for anonymous readers.' })
  async members(@Root() partner: Partner, @Context() ctx: Ctx): Promise<PartnerMemberView[]> {
    if (!(await partnerVisibility(ctx, partner)).field('members')) return [];
    const members = await groupedBy(ctx, PartnerMember, 'partnerId', { addedAt: 'ASC' }).load(partner.id);
    const users = await byId(ctx, User).loadMany(members.map((m) => m.userId));
    return members.map((m, i) => ({ user: users[i] as User, role: m.role })).filter((m) => m.user instanceof User);
  }

  @FieldResolver(() => [Partnership], { description: 'ACTIVE and ENDED ones to everyone; all to the partner and the communities\' secretaries.' })
  async partnerships(@Root() partner: Partner, @Context() ctx: Ctx) {
    return visiblePartnerships(ctx, await groupedBy(ctx, Partnership, 'partnerId', { createdAt: 'ASC' }).load(partner.id));
  }

  @FieldResolver(() => PartnerStats)
  stats(@Root() partner: Partner, @Context() ctx: Ctx) {
    return partnerStatsLoader(ctx).load(partner.id);
  }
}

@Resolver(() => Partnership)
export class PartnershipResolver {
  @Mutation(() => Partnership)
  async requestPartnership(@Arg('partnerId', () => ID) partnerId: string, @Arg('communityId', () => ID) communityId: string, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.requestPartnership, { partnerId, communityId });
    return partners.requestPartnership(ctx, partnerId, communityId, roles.userId);
  }

  @Mutation(() => Partnership)
  async reviewPartnership(
    @Arg('id', () => ID) id: string,
    @Arg('decision', () => ReviewDecision) decision: ReviewDecision,
    @Arg('note', () => String, { nullable: true }) note: string | null,
    @Context() ctx: Ctx,
  ) {
    const { roles } = await authorize(ctx, may.reviewPartnership, { id });
    return partners.reviewPartnership(ctx, id, decision, note, roles.userId);
  }

  @Mutation(() => Partnership)
  async endPartnership(@Arg('id', () => ID) id: string, @Arg('reason') reason: string, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.endPartnership, { id });
    return partners.endPartnership(ctx, id, reason, roles.userId);
  }

  @FieldResolver(() => Partner)
  partner(@Root() partnership: Partnership, @Context() ctx: Ctx) {
    return partners.findPartner(ctx, partnership.partnerId);
  }

  @FieldResolver(() => Community)
  community(@Root() partnership: Partnership, @Context() ctx: Ctx) {
    return findCommunity(ctx, partnership.communityId);
  }

  @FieldResolver(() => [StatusChange])
  async history(@Root() partnership: Partnership, @Context() ctx: Ctx) {
    return historyOf(ctx, partnership.id, (await partnershipVisibility(ctx, partnership)).field('history { note by }'));
  }
}

@Resolver(() => Community)
export class CommunityPartnershipsResolver {
  @FieldResolver(() => [Partnership])
  async partnerships(
    @Root() community: Community,
    @Arg('status', () => PartnershipStatus, { nullable: true }) status: PartnershipStatus | null,
    @Context() ctx: Ctx,
  ) {
    const all = await visiblePartnerships(ctx, await groupedBy(ctx, Partnership, 'communityId', { createdAt: 'ASC' }).load(community.id));
    return status ? all.filter((p) => p.status === status) : all;
  }
}

@Resolver(() => PartnerInvitation)
export class PartnerInvitationResolver {
  @FieldResolver(() => Partner)
  partner(@Root() invitation: PartnerInvitation, @Context() ctx: Ctx) {
    return partners.findPartner(ctx, invitation.partnerId);
  }

  @FieldResolver(() => User)
  async invitedBy(@Root() invitation: PartnerInvitation, @Context() ctx: Ctx) {
    return byId(ctx, User).load(invitation.invitedBy);
  }

  @FieldResolver(() => User, {
    nullable: true,
    description: 'The member registered without an e-mail whom this invitation offers: signing up with the invited e-mail takes over their account, logs and membership.',
  })
  managedMember(@Root() invitation: PartnerInvitation, @Context() ctx: Ctx) {
    return invitation.managedUserId ? byId(ctx, User).load(invitation.managedUserId) : null;
  }
}
