import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Ctx } from '../context';
import { ConflictError, ForbiddenError, NotFoundError, PgErrorCode, pgErrorCode } from '../errors';
import { byId } from '../common/loaders';
import { createdOrder, paginate, type PageArgs } from '../common/pagination';
import { checkText } from '../common/validation';
import { inTransaction } from '../db/transaction';
import { topics } from '../live/events';
import { announce } from '../live/notifications.service';
import { endContractsOfPartnership } from '../spaces/contracts.service';
import { Partner, PartnerMember, PartnerRole, Partnership, PartnershipStatus } from './partner.entity';
import { ReviewDecision, type PartnerFilter, type RegisterPartnerInput } from './partners.inputs';
import { partnershipLifecycle } from './partnership.lifecycle';
import { withdrawPartnerMatchesInCommunity } from '../demand/demand.service';
import { msg } from '../i18n/messages';

export const newCalendarToken = () => randomBytes(24).toString('base64url');

export async function findPartner(ctx: Ctx, id: string, path = 'id'): Promise<Partner> {
  const partner = await byId(ctx, Partner).load(id);
  if (!partner) throw new NotFoundError('partner', id, path);
  return partner;
}

export async function findPartnership(ctx: Ctx, id: string, path = 'id'): Promise<Partnership> {
  const partnership = await byId(ctx, Partnership).load(id);
  if (!partnership) throw new NotFoundError('partnership', id, path);
  return partnership;
}

export function listPartners(ctx: Ctx, filter: PartnerFilter | null | undefined, page: PageArgs) {
  const qb = ctx.db.getRepository(Partner).createQueryBuilder('p');
  if (filter?.category) qb.andWhere('p.category = :category', { category: filter.category });
  if (filter?.communityId) {
    qb.andWhere(
      `EXISTS (SELECT 1 FROM partnership ps WHERE ps.partner_id = p.id AND ps.community_id = :communityId AND ps.status = 'ACTIVE')`,
      { communityId: filter.communityId },
    );
  }
  if (filter?.search?.trim()) {
    qb.andWhere(`(p.name ILIKE :search OR p.description ILIKE :search)`, { search: `%${escapeLike(filter.search.trim())}%` });
  }
  return paginate(qb, createdOrder('p'), page);
}

export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function registerPartner(ctx: Ctx, userId: string, input: RegisterPartnerInput): Promise<Partner> {
  return inTransaction(ctx.db, async (tx) => {
    const partner = await tx.save(
      tx.create(Partner, {
        name: input.name.trim(),
        category: input.category,
        description: input.description ?? null,
        calendarToken: newCalendarToken(),
      }),
    );
    await tx.insert(PartnerMember, { partnerId: partner.id, userId, role: PartnerRole.OWNER });
    return partner;
  });
}

export async function requestPartnership(ctx: Ctx, partnerId: string, communityId: string, by: string): Promise<Partnership> {
  try {
    return await inTransaction(ctx.db, async (tx) => {
      const partnership = await tx.save(tx.create(Partnership, { partnerId, communityId, status: PartnershipStatus.PENDING }));
      await partnershipLifecycle.created(tx, partnership, { by, communityId });
      // Enters the secretaries' queue of requests; they see it live, the pending list keeps it.
      await announce(tx, {
        kind: 'PARTNERSHIP_PENDING',
        communityId,
        by,
        refs: { partnershipId: partnership.id },
        topics: [topics.partnershipRequests(communityId)],
      });
      return partnership;
    });
  } catch (error) {
    if (pgErrorCode(error) === PgErrorCode.uniqueViolation) {
      throw new ConflictError(msg('partner.partnershipExists'));
    }
    throw error;
  }
}

/** Locks and returns the partnership, so concurrent reviews of it queue up behind each other. */
async function lockPartnership(tx: EntityManager, id: string): Promise<Partnership> {
  return tx.getRepository(Partnership).createQueryBuilder('ps').setLock('pessimistic_write').where('ps.id = :id', { id }).getOneOrFail();
}

export async function reviewPartnership(ctx: Ctx, id: string, decision: ReviewDecision, note: string | null | undefined, by: string) {
  checkText('note', note);
  return inTransaction(ctx.db, async (tx) => {
    const partnership = await lockPartnership(tx, id);
    const to = decision === ReviewDecision.APPROVE ? PartnershipStatus.ACTIVE : PartnershipStatus.REJECTED;
    await partnershipLifecycle.apply(tx, partnership, to, { by, note, communityId: partnership.communityId });
    const { community } = await partnershipNames(tx, partnership);
    await announce(tx, {
      kind: `PARTNERSHIP_${to}`,
      message: `${community} ${to === PartnershipStatus.ACTIVE ? 'approved' : 'rejected'} your partnership request${note?.trim() ? `: ${note.trim()}` : ''}`,
      communityId: partnership.communityId,
      by,
      refs: { partnershipId: partnership.id },
      notify: { membersOf: partnership.partnerId },
      topics: [topics.partnerActivity(partnership.partnerId), topics.partnershipRequests(partnership.communityId)],
    });
    return partnership;
  });
}

/**
 * Ends an ACTIVE partnership and, in the same transaction, everything the partner holds in that
 * community: its unreviewed matches are withdrawn and its contracts terminated (see the cascades).
 */
export async function endPartnership(ctx: Ctx, id: string, reason: string, by: string) {
  checkText('reason', reason, { required: true });
  return inTransaction(ctx.db, async (tx) => {
    const partnership = await lockPartnership(tx, id);
    await partnershipLifecycle.apply(tx, partnership, PartnershipStatus.ENDED, { by, note: reason, communityId: partnership.communityId });
    await endContractsOfPartnership(tx, partnership.partnerId, partnership.communityId, by, reason);
    await withdrawPartnerMatchesInCommunity(tx, partnership.partnerId, partnership.communityId, by, reason);
    // Both sides are concerned: the partner's members and the community's secretaries, except whoever ended it.
    const { community, partner } = await partnershipNames(tx, partnership);
    await announce(tx, {
      kind: 'PARTNERSHIP_ENDED',
      message: `The partnership of ${partner} with ${community} has ended: ${reason.trim()}`,
      communityId: partnership.communityId,
      by,
      refs: { partnershipId: partnership.id },
      notify: { membersOf: partnership.partnerId, secretariesOf: partnership.communityId },
      topics: [topics.partnerActivity(partnership.partnerId)],
    });
    return partnership;
  });
}

/** The names a partnership's notifications mention, in one statement. */
async function partnershipNames(tx: EntityManager, partnership: Partnership): Promise<{ community: string; partner: string }> {
  const [row] = await tx.query(`SELECT (SELECT name FROM community WHERE id = $1) AS community, (SELECT name FROM partner WHERE id = $2) AS partner`, [
    partnership.communityId,
    partnership.partnerId,
  ]);
  return row;
}

/**
 * Partners act in a community only while their partnership there is ACTIVE. Call it inside the
 * transaction that acts: the share lock holds off a concurrent endPartnership until it commits.
 */
export async function assertActivePartnership(tx: EntityManager, partnerId: string, communityId: string): Promise<void> {
  const active = await tx
    .getRepository(Partnership)
    .createQueryBuilder('ps')
    .setLock('pessimistic_read')
    .where('ps.partner_id = :partnerId AND ps.community_id = :communityId AND ps.status = :status', {
      partnerId,
      communityId,
      status: PartnershipStatus.ACTIVE,
    })
    .getExists();
  if (!active) throw new ForbiddenError(msg('partner.noActivePartnership'));
}
