import { isEmail } from 'class-validator';
import type { EntityManager } from 'typeorm';
import { readerId, signedIn } from '../auth/policy';
import { normaliseEmail } from '../auth/auth.service';
import { hydrate } from '../common/loaders';
import { now } from '../common/clock';
import type { Ctx } from '../context';
import { BadUserInputError, ForbiddenError, InvalidStateError, NotFoundError } from '../errors';
import { inTransaction } from '../db/transaction';
import { User } from '../users/user.entity';
import { type Partner, PartnerRole } from './partner.entity';
import { invitationLifecycle } from './invitation.lifecycle';
import { InvitationStatus, PartnerInvitation } from './partner-invitation.entity';
import { msg } from '../i18n/messages';

/**
 * Membership with consent (docs/accounts.md): an owner invites an e-mail, its holder accepts or
 * declines, the owner may revoke a pending one, a member may leave. Nothing here answers
 * differently for an e-mail with or without an account.
 */

/** After a change of membership, the request's memoised roles and loaded rows are out of date. */
function forgetLoaded(ctx: Ctx) {
  ctx.roles = undefined;
  ctx.loaders.clear();
}

/**
 * Invites `email` to `partner` as `role` (the caller is its owner). The same answer whether the
 * e-mail has an account, no account yet, or is already a member: a PENDING invitation. Inviting
 * again while one is pending updates that one (its role, its inviter) instead of adding another.
 */
export async function invite(ctx: Ctx, partner: Partner, email: string, role: PartnerRole, by: string): Promise<PartnerInvitation> {
  const address = normaliseEmail(email);
  if (address.length > 254 || !isEmail(address)) throw BadUserInputError.field('email', msg('field.email'));
  return inTransaction(ctx.db, async (tx) => {
    // `inserted` (xmax = 0): a new invitation, whose creation goes into its history; an update of the pending one is no transition.
    const raw: (Record<string, unknown> & { inserted: boolean })[] = await tx.query(
      `WITH i AS (
         INSERT INTO partner_invitation (partner_id, email, role, status, invited_by, created_at)
         VALUES ($1, $2, $3, $6, $4, $5)
         ON CONFLICT (partner_id, email) WHERE status = $6
         DO UPDATE SET role = EXCLUDED.role, invited_by = EXCLUDED.invited_by
         RETURNING *, (xmax = 0) AS inserted)
       SELECT * FROM i`,
      [partner.id, address, role, by, now(), InvitationStatus.PENDING],
    );
    const invitation = hydrate(ctx, PartnerInvitation, raw)[0];
    if (raw[0].inserted) await invitationLifecycle.created(tx, invitation, { by });
    return invitation;
  });
}

async function lockInvitation(tx: EntityManager, ctx: Ctx, id: string): Promise<PartnerInvitation | null> {
  const raw = await tx.query(`SELECT * FROM partner_invitation WHERE id = $1 FOR UPDATE`, [id]);
  return hydrate(ctx, PartnerInvitation, raw)[0] ?? null;
}

/** An answer or a revocation, through the invitation's lifecycle (with its history row). */
function setStatus(tx: EntityManager, invitation: PartnerInvitation, status: InvitationStatus, by: string): Promise<PartnerInvitation> {
  return invitationLifecycle.apply(tx, invitation, status, { by }, { respondedAt: now() });
}

/**
 * The invitee accepts (becomes a member; one already a member keeps the higher of the two roles)
 * or declines. Only the holder of the invited e-mail sees the invitation: for anyone else it does
 * not exist (NOT_FOUND), so its id reveals nothing.
 */
export async function respond(ctx: Ctx, id: string, accept: boolean): Promise<PartnerInvitation> {
  const userId = signedIn(ctx);
  const me = await ctx.db.getRepository(User).findOneBy({ id: userId });
  const result = await inTransaction(ctx.db, async (tx) => {
    const invitation = await lockInvitation(tx, ctx, id);
    if (!invitation || !me || invitation.email !== me.email) throw new NotFoundError('invitation', id, 'id');
    if (invitation.status !== InvitationStatus.PENDING) throw new InvalidStateError(msg('invitation.notPending', { status: invitation.status }));
    if (!accept) return setStatus(tx, invitation, InvitationStatus.DECLINED, userId);
    await tx.query(
      `INSERT INTO partner_member (partner_id, user_id, role, added_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (partner_id, user_id) DO UPDATE
         SET role = CASE WHEN partner_member.role = 'OWNER' OR EXCLUDED.role = 'OWNER' THEN 'OWNER' ELSE 'MEMBER' END`,
      [invitation.partnerId, userId, invitation.role, now()],
    );
    return setStatus(tx, invitation, InvitationStatus.ACCEPTED, userId);
  });
  forgetLoaded(ctx);
  return result;
}

/** An owner of the partner (partners.policy.ts) withdraws a PENDING invitation. */
export async function revoke(ctx: Ctx, id: string, by: string): Promise<PartnerInvitation> {
  return inTransaction(ctx.db, async (tx) => {
    const invitation = (await lockInvitation(tx, ctx, id))!;
    if (invitation.status !== InvitationStatus.PENDING) throw new InvalidStateError(msg('invitation.notPending', { status: invitation.status }));
    return setStatus(tx, invitation, InvitationStatus.REVOKED, by);
  });
}

/**
 * The caller stops being a member of `partner`. A partner always keeps an owner: its sole owner may
 * not leave (INVALID_STATE) until another member has accepted an OWNER invitation. The partner's
 * row is locked, so two owners leaving at once cannot both go.
 */
export async function leave(ctx: Ctx, partner: Partner): Promise<boolean> {
  const userId = signedIn(ctx);
  await inTransaction(ctx.db, async (tx) => {
    await tx.query(`SELECT 1 FROM partner WHERE id = $1 FOR UPDATE`, [partner.id]);
    const members: { user_id: string; role: PartnerRole }[] = await tx.query(`SELECT user_id, role FROM partner_member WHERE partner_id = $1`, [partner.id]);
    const mine = members.find((m) => m.user_id === userId);
    if (!mine) throw new ForbiddenError(msg('partner.notMember'));
    const owners = members.filter((m) => m.role === PartnerRole.OWNER).length;
    if (mine.role === PartnerRole.OWNER && owners === 1) {
      throw new InvalidStateError(msg('partner.onlyOwner', { partner: partner.name }));
    }
    await tx.query(`DELETE FROM partner_member WHERE partner_id = $1 AND user_id = $2`, [partner.id, userId]);
  });
  forgetLoaded(ctx);
  return true;
}

/** The signed-in user's own PENDING invitations, newest first (none for anyone else). */
export async function pendingInvitationsOf(ctx: Ctx, user: User): Promise<PartnerInvitation[]> {
  if (readerId(ctx) !== user.id) return [];
  return ctx.db.getRepository(PartnerInvitation).find({ where: { email: user.email, status: InvitationStatus.PENDING }, order: { createdAt: 'DESC', id: 'ASC' } });
}
