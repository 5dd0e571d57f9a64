import { now as clockNow } from '../common/clock';
import type { Ctx } from '../context';
import type { EntityManager } from 'typeorm';
import { AppError, BadUserInputError, fieldError, NotFoundError } from '../errors';
import { msg } from '../i18n/messages';
import { createdOrder, paginate, type PageArgs } from '../common/pagination';
import { inTransaction } from '../db/transaction';
import { escapeLike } from '../common/like';
import type { OfferFilter, PublishOfferInput } from './demand.inputs';
import { offerLifecycle } from './demand.lifecycle';
import { OfferCommunity, OfferStatus, SupplyOffer } from './supply-offer.entity';

/** SQL: the offer (alias o) is offered to community :communityId. */
export const OFFERED_TO_COMMUNITY = `(
  EXISTS (SELECT 1 FROM offer_community oc WHERE oc.offer_id = o.id AND oc.community_id = :communityId)
  OR (o.all_communities AND EXISTS (
    SELECT 1 FROM partnership ps WHERE ps.partner_id = o.partner_id AND ps.community_id = :communityId AND ps.status = 'ACTIVE')))`;

export function listOffers(ctx: Ctx, filter: OfferFilter | null | undefined, page: PageArgs) {
  const qb = ctx.db.getRepository(SupplyOffer).createQueryBuilder('o');
  if (filter?.partnerId) qb.andWhere('o.partner_id = :partnerId', { partnerId: filter.partnerId });
  if (filter?.communityId) qb.andWhere(OFFERED_TO_COMMUNITY, { communityId: filter.communityId });
  if (filter?.category) qb.andWhere('o.category = :category', { category: filter.category });
  if (filter?.status) qb.andWhere('o.status = :status', { status: filter.status });
  const search = filter?.search?.trim();
  if (search) qb.andWhere(`(o.title || ' ' || coalesce(o.description, '')) ILIKE :search`, { search: `%${escapeLike(search)}%` });
  return paginate(qb, createdOrder('o'), page);
}

export async function publishOffer(ctx: Ctx, input: PublishOfferInput, by: string): Promise<SupplyOffer> {
  if (input.availableUntil && input.availableUntil.getTime() <= clockNow().getTime()) {
    throw BadUserInputError.field('input.availableUntil', msg('field.mustBeInFuture'));
  }
  const communityIds = input.communityIds ?? [];
  if (communityIds.length) {
    const found: { id: string }[] = await ctx.db.query(`SELECT id FROM community WHERE id = ANY($1::uuid[])`, [communityIds]);
    const known = new Set(found.map((r) => r.id));
    const missing = communityIds.findIndex((id) => !known.has(id));
    if (missing >= 0) throw new NotFoundError('community', communityIds[missing], `input.communityIds[${missing}]`);
  }
  return inTransaction(ctx.db, async (tx) => {
    if (communityIds.length) await assertActiveIn(tx, input.partnerId, communityIds);
    const offer = await tx.save(
      tx.create(SupplyOffer, {
        partnerId: input.partnerId,
        category: input.category,
        title: input.title.trim(),
        description: input.description?.trim() || null,
        quantity: input.quantity,
        unit: input.unit.trim(),
        heldQuantity: 0,
        availableUntil: input.availableUntil ?? null,
        allCommunities: communityIds.length === 0,
        status: OfferStatus.ACTIVE,
        createdBy: by,
      }),
    );
    if (communityIds.length) {
      await tx.insert(OfferCommunity, communityIds.map((communityId) => ({ offerId: offer.id, communityId })));
    }
    await offerLifecycle.created(tx, offer, { by });
    return offer;
  });
}

/**
 * A partner offers only where it acts: in communities of its ACTIVE partnerships (FORBIDDEN otherwise,
 * as claimDemand answers), naming the first community that is not. Share-locked like
 * assertActivePartnership, so a concurrent endPartnership waits for this transaction.
 */
async function assertActiveIn(tx: EntityManager, partnerId: string, communityIds: string[]): Promise<void> {
  const rows: { community_id: string }[] = await tx.query(
    `SELECT community_id FROM partnership WHERE partner_id = $1 AND community_id = ANY($2::uuid[]) AND status = 'ACTIVE' FOR SHARE`,
    [partnerId, communityIds],
  );
  const active = new Set(rows.map((r) => r.community_id));
  const outside = communityIds.findIndex((id) => !active.has(id));
  if (outside >= 0) {
    throw new AppError('FORBIDDEN', msg('partner.noActivePartnership'), {
      fields: [fieldError(`input.communityIds[${outside}]`, msg('partner.noActivePartnership.field'))],
    });
  }
}

/** ACTIVE <-> PAUSED, either -> WITHDRAWN. Matches already made against the offer stay as they are. */
export async function setOfferStatus(ctx: Ctx, id: string, status: OfferStatus, by: string): Promise<SupplyOffer> {
  return inTransaction(ctx.db, async (tx) => {
    const offer = await tx.getRepository(SupplyOffer).createQueryBuilder('o').setLock('pessimistic_write').where('o.id = :id', { id }).getOneOrFail();
    return offerLifecycle.apply(tx, offer, status, { by });
  });
}
