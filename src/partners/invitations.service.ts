import { isEmail } from 'class-validator';
import type { EntityManager } from 'typeorm';
import { readerId, signedIn } from '../auth/policy';
import { normaliseEmail } from '../auth/auth.service';
import { hydrate } from '../common/loaders';
import { now } from '../common/clock';
import type { Ctx } from '../context';
import { BadUserInputError, ForbiddenError, InvalidStateError, NotFoundError } from '../errors';
import { inTransaction } from '../db/transaction';
import { isUuid } from '../common/ids';
import { DISPLAY_NAME_MAX, User } from '../users/user.entity';
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
 * again while one is pending updates that one (its role, its inviter, its managed member) instead
 * of adding another. With `managedMemberId` (one of the partner's managed members) the invitee
 * takes that member over by signing up with the e-mail (`claimManagedAccount`); a later invitation
 * for the same member replaces an earlier one to another e-mail (a typo fixed).
 */
export async function invite(
  ctx: Ctx,
  partner: Partner,
  email: string,
  role: PartnerRole,
  by: string,
  managedMemberId: string | null = null,
): Promise<PartnerInvitation> {
  const address = normaliseEmail(email);
  if (address.length > 254 || !isEmail(address)) throw BadUserInputError.field('email', msg('field.email'));
  if (managedMemberId !== null && !isUuid(managedMemberId)) throw BadUserInputError.field('managedMemberId', msg('partner.notManagedMember'));
  return inTransaction(ctx.db, async (tx) => {
    if (managedMemberId !== null) {
      // The member's row is locked: two invitations for one member queue up, and so does a sign-up taking it over.
      const [managed] = await tx.query(`SELECT 1 FROM app_user WHERE id = $1 AND managed_by_partner_id = $2 FOR UPDATE`, [managedMemberId, partner.id]);
      if (!managed) throw BadUserInputError.field('managedMemberId', msg('partner.notManagedMember'));
      const earlier = hydrate(
        ctx,
        PartnerInvitation,
        await tx.query(`SELECT * FROM partner_invitation WHERE managed_user_id = $1 AND status = $2 AND email <> $3 FOR UPDATE`, [
          managedMemberId,
          InvitationStatus.PENDING,
          address,
        ]),
      );
      for (const invitation of earlier) await setStatus(tx, invitation, InvitationStatus.REVOKED, by);
    }
    // `inserted` (xmax = 0): a new invitation, whose creation goes into its history; an update of the pending one is no transition.
    const raw: (Record<string, unknown> & { inserted: boolean })[] = await tx.query(
      `WITH i AS (
         INSERT INTO partner_invitation (partner_id, email, role, status, invited_by, created_at, managed_user_id)
         VALUES ($1, $2, $3, $6, $4, $5, $7)
         ON CONFLICT (partner_id, email) WHERE status = $6
         DO UPDATE SET role = EXCLUDED.role, invited_by = EXCLUDED.invited_by, managed_user_id = EXCLUDED.managed_user_id
         RETURNING *, (xmax = 0) AS inserted)
       SELECT * FROM i`,
      [partner.id, address, role, by, now(), InvitationStatus.PENDING, managedMemberId],
    );
    const invitation = hydrate(ctx, PartnerInvitation, raw)[0];
    if (raw[0].inserted) await invitationLifecycle.created(tx, invitation, { by });
    return invitation;
  });
}

/**
 * A sign-up with `email` takes over the managed member a pending invitation to that e-mail offers
 * (set as auth's WaitingAccountClaim by partners.hooks.ts): the invitation is accepted by that
 * member, whose membership takes the invitation's role if higher. Answers the member's id, whose
 * row auth then gives the e-mail and password; null when no such invitation waits. With several
 * (two partners), the oldest is taken over; the others stay pending (see docs/accounts.md).
 */
export async function claimManagedAccount(tx: EntityManager, email: string): Promise<string | null> {
  const invitation = await tx
    .getRepository(PartnerInvitation)
    .createQueryBuilder('i')
    .innerJoin(User, 'u', 'u.id = i.managed_user_id AND u.managed_by_partner_id = i.partner_id')
    .setLock('pessimistic_write')
    .where('i.email = :email AND i.status = :pending', { email, pending: InvitationStatus.PENDING })
    .orderBy('i.created_at')
    .addOrderBy('i.id')
    .getOne();
  if (!invitation?.managedUserId) return null;
  await join(tx, invitation.partnerId, invitation.managedUserId, invitation.role);
  await setStatus(tx, invitation, InvitationStatus.ACCEPTED, invitation.managedUserId);
  return invitation.managedUserId;
}

/** Membership as an accepted invitation gives it: one already a member keeps the higher of the two roles. */
function join(tx: EntityManager, partnerId: string, userId: string, role: PartnerRole) {
  return tx.query(
    `INSERT INTO partner_member (partner_id, user_id, role, added_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (partner_id, user_id) DO UPDATE
       SET role = CASE WHEN partner_member.role = 'OWNER' OR EXCLUDED.role = 'OWNER' THEN 'OWNER' ELSE 'MEMBER' END`,
    [partnerId, userId, role, now()],
  );
}

/**
 * A member without an e-mail account, registered by an owner of `partner` (partners.policy.ts):
 * staff the owner logs hours for. A user row with neither e-mail nor password, so nobody can log
 * in as it, marked as the partner's; a MEMBER of the partner.
 */
export async function addManagedMember(ctx: Ctx, partner: Partner, displayName: string): Promise<{ user: User; role: PartnerRole }> {
  const name = displayName.trim();
  if (!name) throw BadUserInputError.field('displayName', msg('field.mustNotBeEmpty'));
  if (name.length > DISPLAY_NAME_MAX) throw BadUserInputError.field('displayName', msg('field.atMostChars', { max: DISPLAY_NAME_MAX }));
  const user = await inTransaction(ctx.db, async (tx) => {
    const created = await tx.save(tx.create(User, { email: null, passwordHash: null, displayName: name, isAdmin: false, managedByPartnerId: partner.id }));
    await join(tx, partner.id, created.id, PartnerRole.MEMBER);
    return created;
  });
  return { user, role: PartnerRole.MEMBER };
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
    // A managed member's records stay with its own row (decided logs never change hands): only a
    // sign-up with this e-mail takes it over, and this invitee had an account already.
    if (invitation.managedUserId) throw new InvalidStateError(msg('invitation.managedNeedsSignUp'));
    await join(tx, invitation.partnerId, userId, invitation.role);
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
  if (readerId(ctx) !== user.id || !user.email) return [];
  return ctx.db.getRepository(PartnerInvitation).find({ where: { email: user.email, status: InvitationStatus.PENDING }, order: { createdAt: 'DESC', id: 'ASC' } });
}
