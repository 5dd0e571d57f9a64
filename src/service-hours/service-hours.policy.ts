import { type PolicyTable, readerId, type Rule, signedIn, viewerRoles, type ViewerRoles } from '../auth/policy';
import type { Ctx } from '../context';
import { AppError, ForbiddenError } from '../errors';
import { msg } from '../i18n/messages';
import { findCommunity } from '../communities/communities.service';
import { findPartner } from '../partners/partners.service';
import type { ServiceLog } from './service-log.entity';

/*
 * Who may do what with service hours (DESIGN.md's role table). Service logs are private as a
 * whole (the volunteer, the partner's members, the community's secretaries, admins): the read
 * rules are the functions below the table, which the service's lists and summaries ask because
 * they shape the query.
 */

/** verifyServiceLog(s): each log's community's secretary (or an admin), and nobody on their own log. */
const VERIFY: Rule<{ logs: ServiceLog[] }> = {
  who: ['SECRETARY_OF_COMMUNITY', 'ADMIN'],
  more: "of each log's community; nobody on their own log (mayDecide)",
};

export const SERVICE_HOURS_POLICY = {
  logService: {
    // Service for a partner: its members; service of one's own: anyone signed in.
    who: (scope) => (scope.partnerId ? ['MEMBER_OF_PARTNER'] : ['SIGNED_IN']),
    on: async (ctx: Ctx, { input }: { input: { communityId: string; partnerId?: string | null } }) => {
      await findCommunity(ctx, input.communityId, 'input.communityId');
      if (input.partnerId) await findPartner(ctx, input.partnerId, 'input.partnerId');
      return { communityId: input.communityId, partnerId: input.partnerId ?? null };
    },
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
