import { type PolicyTable, readerId, type Rule, signedIn, viewerRoles, type ViewerRoles } from '../auth/policy';
import type { Ctx } from '../context';
import { AppError, BadUserInputError, ForbiddenError } from '../errors';
import { findOr404 } from '../common/find';
import { User } from '../users/user.entity';
import { msg } from '../i18n/messages';
import { findCommunity } from '../communities/communities.service';
import { findPartner } from '../partners/partners.service';
import { PartnerRole } from '../partners/partner.entity';
import type { ServiceLog } from './service-log.entity';

/*
 * Who may do what with service hours (DESIGN.md's role table). Service logs are private as a
 * whole (the volunteer, the partner's members, the community's secretaries, admins): the read
 * rules are the functions below the table, which the service's lists and summaries ask because
 * they shape the query.
 */

/** verifyServiceLog(s): each log's community's secretary (or an admin), and nobody on a log of their own or one they logged for another. */
const VERIFY: Rule<{ logs: ServiceLog[] }> = {
  who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'],
  more: "of each log's community; nobody on their own log nor one they logged for a member (mayDecide)",
};

export const SERVICE_HOURS_POLICY = {
  logService: {
    // Service for a partner: its members; for a member of it (volunteerId): its owners; service of one's own: anyone signed in.
    who: (scope) => (scope.userId ? ['OWNER_OF_PARTNER'] : scope.partnerId ? ['MEMBER_OF_PARTNER'] : ['SIGNED_IN']),
    on: async (ctx: Ctx, { input }: { input: { communityId: string; partnerId?: string | null; volunteerId?: string | null } }) => {
      await findCommunity(ctx, input.communityId, 'input.communityId');
      if (input.partnerId) await findPartner(ctx, input.partnerId, 'input.partnerId');
      if (input.volunteerId) {
        if (!input.partnerId) throw BadUserInputError.field('input.partnerId', msg('serviceLog.volunteerNeedsPartner'));
        await findOr404(ctx, User, input.volunteerId, { thing: 'volunteer', path: 'input.volunteerId' });
      }
      return { communityId: input.communityId, partnerId: input.partnerId ?? null, userId: input.volunteerId ?? null };
    },
    more: 'with volunteerId: the volunteer is a member of the partner (service-hours.service.ts, FORBIDDEN otherwise)',
  },
  verifyServiceLog: VERIFY,
  verifyServiceLogs: VERIFY,
} satisfies PolicyTable;

/** The VERIFY rule on a batch, all or none: the error names every log the viewer may not decide. */
export async function mayDecide(ctx: Ctx, logs: ServiceLog[]): Promise<ViewerRoles> {
  signedIn(ctx);
  const roles = await viewerRoles(ctx);
  const refused: AppError[] = [];
  for (const log of logs) {
    if (log.volunteerId === roles.userId) {
      refused.push(new AppError('FORBIDDEN', msg('policy.ownServiceLog', { id: log.id }), { serviceLogIds: [log.id] }));
    } else if (log.loggedById === roles.userId) {
      refused.push(new AppError('FORBIDDEN', msg('policy.loggedServiceLog', { id: log.id }), { serviceLogIds: [log.id] }));
    } else if (!roles.isAdmin && !roles.secretaryOf.has(log.communityId)) {
      refused.push(new AppError('FORBIDDEN', msg('policy.verifyNeedsSecretary', { id: log.id }), { serviceLogIds: [log.id] }));
    }
  }
  if (refused.length === 1) throw refused[0];
  if (refused.length > 1) {
    const serviceLogIds = refused.flatMap((e) => e.extensions.serviceLogIds as string[]);
    throw new AppError('FORBIDDEN', msg('serviceLog.mayNotDecide', { ids: serviceLogIds.join(', ') }), { serviceLogIds });
  }
  return roles;
}

// ---------------------------------------------------------------- reads

/** Who may see one service log: its volunteer, its partner's members, its community's secretaries, admins. */
export async function canSeeServiceLog(ctx: Ctx, log: { communityId: string; volunteerId: string; partnerId: string | null }): Promise<boolean> {
  if (!readerId(ctx)) return false;
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

/** A partner's own export of its service logs: its owners (not every member: the logs name its people) and admins. */
export async function requirePartnerOwner(ctx: Ctx, partnerId: string): Promise<ViewerRoles> {
  const roles = await viewerRoles(ctx);
  if (roles.isAdmin || roles.partnerRoles.get(partnerId) === PartnerRole.OWNER) return roles;
  throw new ForbiddenError(msg('policy.partnerOwnerOnly'));
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

/**
 * A partner owner's view of a member's certificate (issue #16): the service given for that
 * partner. With `partnerId`: an owner of it (FORBIDDEN otherwise) and the volunteer one of its
 * members; without: the first partner the viewer owns that the volunteer belongs to, or null.
 */
export async function ownerCertificatePartner(ctx: Ctx, volunteerId: string, partnerId: string | null): Promise<string | null> {
  const roles = await viewerRoles(ctx);
  const owned = [...roles.partnerRoles].filter(([id, role]) => role === PartnerRole.OWNER && (partnerId === null || id === partnerId)).map(([id]) => id);
  if (partnerId !== null && !owned.length) throw new ForbiddenError(msg('policy.partnerOwnerOnly'));
  const [shared]: { partner_id: string }[] = owned.length
    ? await ctx.db.query(`SELECT partner_id FROM partner_member WHERE user_id = $1 AND partner_id = ANY($2) ORDER BY partner_id LIMIT 1`, [volunteerId, owned])
    : [];
  if (partnerId !== null && !shared) throw new ForbiddenError(msg('link.notMember'));
  return shared?.partner_id ?? null;
}
