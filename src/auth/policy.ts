import type { Ctx } from '../context';
import { ForbiddenError, UnauthenticatedError } from '../errors';
import { CommunitySecretary } from '../communities/community.entity';
import { PartnerMember, PartnerRole } from '../partners/partner.entity';
import { User } from '../users/user.entity';

/**
 * Every authorization rule of DESIGN.md's role table lives here. Resolvers and services ask these
 * before opening a transaction (on embedded PGlite a second connection inside one would wait).
 */
export interface ViewerRoles {
  userId: string;
  isAdmin: boolean;
  secretaryOf: Set<string>;
  partnerRoles: Map<string, PartnerRole>;
}

export function requireUser(ctx: Ctx): string {
  if (ctx.viewer.authError) throw ctx.viewer.authError;
  if (!ctx.viewer.userId) throw new UnauthenticatedError();
  return ctx.viewer.userId;
}

/** The viewer's roles, loaded once per request (three indexed lookups). */
export function viewerRoles(ctx: Ctx): Promise<ViewerRoles> {
  const userId = requireUser(ctx);
  ctx.roles ??= (async () => {
    const [user, secretaries, memberships] = await Promise.all([
      ctx.db.getRepository(User).findOneBy({ id: userId }),
      ctx.db.getRepository(CommunitySecretary).findBy({ userId }),
      ctx.db.getRepository(PartnerMember).findBy({ userId }),
    ]);
    if (!user) throw new UnauthenticatedError('This account no longer exists');
    return {
      userId,
      isAdmin: user.isAdmin,
      secretaryOf: new Set(secretaries.map((s) => s.communityId)),
      partnerRoles: new Map(memberships.map((m) => [m.partnerId, m.role])),
    };
  })();
  return ctx.roles;
}

export async function requireAdmin(ctx: Ctx): Promise<ViewerRoles> {
  const roles = await viewerRoles(ctx);
  if (!roles.isAdmin) throw new ForbiddenError('Only an admin may do this');
  return roles;
}

export async function isSecretaryOf(ctx: Ctx, communityId: string): Promise<boolean> {
  if (!ctx.viewer.userId) return false;
  const roles = await viewerRoles(ctx);
  return roles.isAdmin || roles.secretaryOf.has(communityId);
}

/** A secretary of this community, or an admin. */
export async function requireSecretary(ctx: Ctx, communityId: string): Promise<ViewerRoles> {
  const roles = await viewerRoles(ctx);
  if (!roles.isAdmin && !roles.secretaryOf.has(communityId)) {
    throw new ForbiddenError('Only a secretary of this community may do this');
  }
  return roles;
}

export async function isPartnerMember(ctx: Ctx, partnerId: string): Promise<boolean> {
  if (!ctx.viewer.userId) return false;
  return (await viewerRoles(ctx)).partnerRoles.has(partnerId);
}

/** A member of this partner (an OWNER where `role` says so). */
export async function requirePartnerMember(ctx: Ctx, partnerId: string, role?: PartnerRole): Promise<ViewerRoles> {
  const roles = await viewerRoles(ctx);
  const held = roles.partnerRoles.get(partnerId);
  if (!held || (role === PartnerRole.OWNER && held !== PartnerRole.OWNER)) {
    throw new ForbiddenError(role === PartnerRole.OWNER ? 'Only an owner of this partner may do this' : 'Only a member of this partner may do this');
  }
  return roles;
}

/** A member of the partner, or a secretary of the community (or an admin). */
export async function requirePartnerMemberOrSecretary(ctx: Ctx, partnerId: string, communityId: string, role?: PartnerRole) {
  const roles = await viewerRoles(ctx);
  const held = roles.partnerRoles.get(partnerId);
  const asPartner = held && (role !== PartnerRole.OWNER || held === PartnerRole.OWNER);
  if (!asPartner && !roles.isAdmin && !roles.secretaryOf.has(communityId)) {
    throw new ForbiddenError('Only the partner or a secretary of this community may do this');
  }
  return roles;
}
