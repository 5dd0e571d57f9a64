import type { Ctx } from '../context';
import { AppError, ForbiddenError, UnauthenticatedError } from '../errors';
import { CommunitySecretary } from '../communities/community.entity';
import { PartnerMember, PartnerRole } from '../partners/partner.entity';
import { User } from '../users/user.entity';
import { msg } from '../i18n/messages';

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
    if (!user) throw new UnauthenticatedError(msg('auth.accountGone'));
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
  if (!roles.isAdmin) throw new ForbiddenError(msg('policy.adminOnly'));
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
    throw new ForbiddenError(msg('policy.secretaryOnly'));
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
    throw new ForbiddenError(msg(role === PartnerRole.OWNER ? 'policy.partnerOwnerOnly' : 'policy.partnerMemberOnly'));
  }
  return roles;
}

/** A member of the partner, or a secretary of the community (or an admin). */
export async function requirePartnerMemberOrSecretary(ctx: Ctx, partnerId: string, communityId: string, role?: PartnerRole) {
  const roles = await viewerRoles(ctx);
  const held = roles.partnerRoles.get(partnerId);
  const asPartner = held && (role !== PartnerRole.OWNER || held === PartnerRole.OWNER);
  if (!asPartner && !roles.isAdmin && !roles.secretaryOf.has(communityId)) {
    throw new ForbiddenError(msg('policy.partnerOrSecretary'));
  }
  return roles;
}

// ---------------------------------------------------------------- service hours

/** A secretary of the log's community (or an admin) decides on it; nobody on their own log. */
export async function requireServiceLogVerifier(ctx: Ctx, log: { id: string; communityId: string; volunteerId: string }): Promise<ViewerRoles> {
  const roles = await viewerRoles(ctx);
  if (log.volunteerId === roles.userId) {
    throw new AppError('FORBIDDEN', msg('policy.ownServiceLog', { id: log.id }), { serviceLogIds: [log.id] });
  }
  if (!roles.isAdmin && !roles.secretaryOf.has(log.communityId)) {
    throw new AppError('FORBIDDEN', msg('policy.verifyNeedsSecretary', { id: log.id }), { serviceLogIds: [log.id] });
  }
  return roles;
}

/** Who may see one service log: its volunteer, its partner's members, its community's secretaries, admins. */
export async function canSeeServiceLog(ctx: Ctx, log: { communityId: string; volunteerId: string; partnerId: string | null }): Promise<boolean> {
  if (!ctx.viewer.userId) return false;
  const roles = await viewerRoles(ctx);
  return (
    roles.isAdmin ||
    log.volunteerId === roles.userId ||
    roles.secretaryOf.has(log.communityId) ||
    (log.partnerId !== null && roles.partnerRoles.has(log.partnerId))
  );
}

/**
 * Which service logs a list may show: admins any; everyone else must name in the filter their own
 * volunteerId, a partner they belong to or a community they are secretary of (filters combine with
 * AND, so one such name is enough). A filter naming none of the three lists the viewer's own logs.
 * Returns the volunteer the list must be narrowed to, or null.
 */
export async function serviceLogListScope(
  ctx: Ctx,
  filter: { communityId?: string | null; partnerId?: string | null; volunteerId?: string | null },
): Promise<{ onlyVolunteerId: string | null }> {
  const roles = await viewerRoles(ctx);
  if (roles.isAdmin) return { onlyVolunteerId: null };
  const { communityId, partnerId, volunteerId } = filter;
  if (
    volunteerId === roles.userId ||
    (partnerId && roles.partnerRoles.has(partnerId)) ||
    (communityId && roles.secretaryOf.has(communityId))
  ) {
    return { onlyVolunteerId: null };
  }
  if (!communityId && !partnerId && !volunteerId) return { onlyVolunteerId: roles.userId };
  throw new ForbiddenError(msg('policy.listServiceLogs'));
}

/** Summaries: a secretary for their community, a partner's members for their partner, admins for anything. */
export async function requireServiceSummaryAccess(ctx: Ctx, communityId: string | null | undefined, partnerId: string | null | undefined): Promise<ViewerRoles> {
  const roles = await viewerRoles(ctx);
  if (roles.isAdmin || (communityId && roles.secretaryOf.has(communityId)) || (partnerId && roles.partnerRoles.has(partnerId))) return roles;
  throw new ForbiddenError(msg('policy.serviceHours'));
}

/**
 * A volunteer's service certificate: the volunteer and admins see every community's logs (null);
 * a secretary sees only the logs of the communities they are secretary of; anyone else nothing.
 */
export async function serviceCertificateScope(ctx: Ctx, volunteerId: string): Promise<Set<string> | null> {
  const roles = await viewerRoles(ctx);
  if (roles.isAdmin || roles.userId === volunteerId) return null;
  if (roles.secretaryOf.size) return roles.secretaryOf;
  throw new ForbiddenError(msg('policy.certificate'));
}
