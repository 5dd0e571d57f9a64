import { findOr404 } from '../common/find';
import { heavyRead } from '../common/heavy-read';
import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Ctx } from '../context';
import { ConflictError, ForbiddenError, PgErrorCode, pgErrorCode } from '../errors';
import { createdOrder, paginate, type PageArgs } from '../common/pagination';
import { checkText } from '../common/validation';
import { escapeLike } from '../common/like';
import { inTransaction } from '../db/transaction';
import { Partner, PartnerMember, PartnerRole, Partnership, PartnershipStatus } from './partner.entity';
import { ReviewDecision } from '../common/review';
import type { PartnerFilter, RegisterPartnerInput } from './partners.inputs';
import { partnershipLifecycle } from './partnership.lifecycle';
import { msg } from '../i18n/messages';

export const newCalendarToken = () => randomBytes(24).toString('base64url');

export const findPartner = (ctx: Ctx, id: string, path = 'id') => findOr404(ctx, Partner, id, { thing: 'partner', path });
export const findPartnership = (ctx: Ctx, id: string, path = 'id') => findOr404(ctx, Partnership, id, { thing: 'partnership', path });

export function listPartners(ctx: Ctx, filter: PartnerFilter | null | undefined, page: PageArgs) {
  return heavyRead(ctx, (c) => partnersPage(c, filter, page));
}

function partnersPage(ctx: Ctx, filter: PartnerFilter | null | undefined, page: PageArgs) {
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
      // Told by the hooks of partners.hooks.ts.
      await partnershipLifecycle.created(tx, partnership, { by, communityId });
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
    // Told by the hooks of partners.hooks.ts.
    await partnershipLifecycle.apply(tx, partnership, to, { by, note, communityId: partnership.communityId });
    return partnership;
  });
}

/**
 * Ends an ACTIVE partnership and, in the same transaction, everything the partner holds in that
 * community. Partners does not know what that is: the domains that hold something register hooks
 * on entering ENDED (src/spaces/spaces.hooks.ts ends its contracts and their bookings,
 * src/demand/demand.hooks.ts withdraws its unreviewed matches), run in HOOK_ORDER
 * (docs/architecture.md); any of them failing leaves the partnership ACTIVE.
 */
export async function endPartnership(ctx: Ctx, id: string, reason: string, by: string) {
  checkText('reason', reason, { required: true });
  return inTransaction(ctx.db, async (tx) => {
    const partnership = await lockPartnership(tx, id);
    await partnershipLifecycle.apply(tx, partnership, PartnershipStatus.ENDED, { by, note: reason, communityId: partnership.communityId });
    return partnership;
  });
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
