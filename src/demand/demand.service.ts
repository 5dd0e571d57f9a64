import { findOr404 } from '../common/find';
import { heavyRead } from '../common/heavy-read';
import { now as clockNow } from '../common/clock';
import { type EntityManager } from 'typeorm';
import type { Ctx } from '../context';
import { BadUserInputError, ConflictError, ForbiddenError, InvalidStateError, NotFoundError, PgErrorCode, pgConstraint, pgErrorCode } from '../errors';
import { createdOrder, pageNeeds, paginate, type PageArgs, type SortKey } from '../common/pagination';
import { prefetch } from '../common/prefetch';
import { withViewerRoles } from '../auth/visibility';
import { below, type FieldTree } from '../common/selection';
import { checkText } from '../common/validation';
import { localToday } from '../common/slots';
import { communityZone, DEFAULT_TIMEZONE } from '../communities/zones.service';
import { msg } from '../i18n/messages';
import { inTransaction } from '../db/transaction';
import { assertActivePartnership } from '../partners/partners.service';
import { PARTNERSHIP_ENDED } from '../partners/partnership.lifecycle';
import type { Transition, TransitionMeta } from '../common/state-machine';
import { escapeLike } from '../common/like';
import { ReviewDecision } from '../common/review';
import { DemandItem, DemandStatus, URGENCY_RANK, Urgency } from './demand-item.entity';
import type { ClaimDemandInput, DemandFilter, DispatchOfferInput, EvaluationInput, MatchFilter, PostDemandInput } from './demand.inputs';
import { demandLifecycle, matchLifecycle } from './demand.lifecycle';
import { DEMAND_ITEM_RELATIONS, MATCH_RELATIONS } from './demand.prefetch';
import { visibleMatchesWhere } from './demand.visibility';
import { announceMatch, doers, matchValues, noteValues } from './match.announce';
import { Evaluation, Match, MatchOrigin, MatchStatus, UNFULFILLED_MATCH } from './match.entity';
import { OfferCommunity, OfferStatus, SupplyOffer } from './supply-offer.entity';

/*
 * Locking order, the same in every transaction so that none deadlocks another:
 * partnership (share, via assertActivePartnership) -> demand items (by id) -> matches -> offers (by id).
 * Every change to a match locks its demand item first, so the demand row serialises all changes
 * to the units held against it; its CHECK constraints are the guard of last resort.
 */

export const findDemand = (ctx: Ctx, id: string, path = 'id') => findOr404(ctx, DemandItem, id, { thing: 'demandItem', path });
export const findOffer = (ctx: Ctx, id: string, path = 'id') => findOr404(ctx, SupplyOffer, id, { thing: 'offer', path });
export const findMatch = (ctx: Ctx, id: string, path = 'id') => findOr404(ctx, Match, id, { thing: 'match', path });

const now = () => clockNow();

// ---------------------------------------------------------------- demand items

export function listDemandItems(ctx: Ctx, filter: DemandFilter | null | undefined, page: PageArgs, selection?: FieldTree) {
  const qb = ctx.db.getRepository(DemandItem).createQueryBuilder('d');
  if (filter?.communityId) qb.andWhere('d.community_id = :communityId', { communityId: filter.communityId });
  if (filter?.category) qb.andWhere('d.category = :category', { category: filter.category });
  if (filter?.status?.length) qb.andWhere('d.status IN (:...statuses)', { statuses: filter.status });
  if (filter?.urgency) qb.andWhere('d.urgency = :urgency', { urgency: filter.urgency });
  const search = filter?.search?.trim();
  // search_text has a trigram GIN index: 3+ characters (also Chinese) use it; shorter ones still match correctly.
  if (search) qb.andWhere('d.search_text ILIKE :search', { search: `%${escapeLike(search)}%` });
  // Its rows carry the columns the query reads: DemandItem's resolvers that read others (history,
  // suggestions) are not columns, so selecting one brings the whole row (prefetch.ts).
  return paginate(qb, createdOrder('d'), page, withViewerRoles(ctx, prefetch(ctx, DemandItem, DEMAND_ITEM_RELATIONS, below(selection, 'edges', 'node'), { ownColumns: true })), pageNeeds(selection));
}

/** A needed-by day is today or later in the community's time zone. */
export async function checkNeededBy(ctx: Ctx, communityId: string, neededBy: string | null | undefined, path = 'input.neededBy'): Promise<void> {
  if (!neededBy) return;
  const zone = (await communityZone(ctx, communityId)) ?? DEFAULT_TIMEZONE;
  const today = localToday(zone);
  if (neededBy < today) throw BadUserInputError.field(path, msg('field.todayOrLater', { today: { day: today }, zone }));
}

export async function postDemand(ctx: Ctx, input: PostDemandInput, by: string): Promise<DemandItem> {
  await checkNeededBy(ctx, input.communityId, input.neededBy);
  return inTransaction(ctx.db, (tx) => createDemandItem(tx, input, by));
}

/** A new OPEN item in `tx` (its input checked already, see checkNeededBy): for postDemand and a resident's request triaged onto the list. */
export async function createDemandItem(tx: EntityManager, input: PostDemandInput, by: string): Promise<DemandItem> {
  const demand = await tx.save(
    tx.create(DemandItem, {
      communityId: input.communityId,
      title: input.title.trim(),
      description: input.description?.trim() || null,
      category: input.category,
      quantity: input.quantity,
      unit: input.unit.trim(),
      urgency: input.urgency ?? Urgency.NORMAL,
      neededBy: input.neededBy ?? null,
      status: DemandStatus.OPEN,
      matchedQuantity: 0,
      fulfilledQuantity: 0,
      createdBy: by,
    }),
  );
  await demandLifecycle.created(tx, demand, { by, communityId: demand.communityId });
  return demand;
}

/** Locks the items in id order; `communities`, when the caller knows them, only names their shards under Citus. */
async function lockDemands(tx: EntityManager, ids: string[], communities?: string[]): Promise<Map<string, DemandItem>> {
  const sorted = [...new Set(ids)].sort();
  const qb = tx.getRepository(DemandItem).createQueryBuilder('d').setLock('pessimistic_write');
  if (communities?.length) qb.where('d.community_id IN (:...communities)', { communities: [...new Set(communities)] });
  const rows = sorted.length ? await qb.andWhere('d.id IN (:...ids)', { ids: sorted }).orderBy('d.id').getMany() : [];
  return new Map(rows.map((d) => [d.id, d]));
}

async function lockDemand(tx: EntityManager, id: string): Promise<DemandItem> {
  const demand = (await lockDemands(tx, [id])).get(id);
  if (!demand) throw new NotFoundError('demandItem', id, 'id');
  return demand;
}

/**
 * Writes a demand item's new counters and the status they imply (OPEN while units remain, MATCHED
 * when live matches hold every unit, FULFILLED when fulfilled ones cover every unit), recording a
 * status change in its history. One UPDATE, so the status CHECK never sees them apart.
 */
export async function settleDemand(tx: EntityManager, demand: DemandItem, change: { matched?: number; fulfilled?: number }, by: string | null): Promise<void> {
  const matchedQuantity = demand.matchedQuantity + (change.matched ?? 0);
  const fulfilledQuantity = demand.fulfilledQuantity + (change.fulfilled ?? 0);
  const { OPEN, MATCHED, FULFILLED, CANCELLED } = DemandStatus;
  const to =
    demand.status === CANCELLED ? CANCELLED : fulfilledQuantity >= demand.quantity ? FULFILLED : matchedQuantity >= demand.quantity ? MATCHED : OPEN;
  if (to !== demand.status) {
    const note = `${matchedQuantity}/${demand.quantity} ${demand.unit} matched, ${fulfilledQuantity} fulfilled`;
    await demandLifecycle.apply(tx, demand, to, { by, note, communityId: demand.communityId }, { matchedQuantity, fulfilledQuantity });
  } else {
    await tx.update(DemandItem, { communityId: demand.communityId, id: demand.id }, { matchedQuantity, fulfilledQuantity });
    Object.assign(demand, { matchedQuantity, fulfilledQuantity });
  }
}

/** Gives a match's units back to its offer. */
async function releaseOfferUnits(tx: EntityManager, offerId: string, quantity: number): Promise<void> {
  await tx.query(`UPDATE supply_offer SET held_quantity = held_quantity - $1, updated_at = now() WHERE id = $2`, [quantity, offerId]);
}

/** The cause (`meta.cause`) of matches withdrawn because their demand item was cancelled: `meta.values.reason` is the reason given. */
export const DEMAND_CANCELLED = 'DEMAND_CANCELLED';

/**
 * Withdraws live unfulfilled matches picked by `where` (SQL on the match table's columns) in ONE
 * statement (matchLifecycle.applyWhere, a history row each; the demand hooks tell them in one batch),
 * releasing their units on their demand items and offers. For cascades; the caller's transaction
 * must not yet hold match or offer locks. Returns the withdrawn matches with the status each left.
 */
async function withdrawWhere(
  tx: EntityManager,
  where: string,
  params: Record<string, unknown>,
  statuses: readonly MatchStatus[],
  meta: TransitionMeta,
  lockedDemands?: Map<string, DemandItem>,
): Promise<Transition<MatchStatus, Match>[]> {
  const candidates = await tx
    .getRepository(Match)
    .createQueryBuilder('m')
    .where(where, params)
    .andWhere('m.status IN (:...statuses)', { statuses })
    .orderBy('m.id')
    .getMany();
  if (!candidates.length) return [];
  const demands = lockedDemands ?? (await lockDemands(tx, candidates.map((m) => m.demandId), candidates.map((m) => m.communityId)));
  if (!demands.size) return [];
  // Only matches on the demand items locked above (one that appeared since, on another demand, is left alone);
  // applyWhere locks the matches in id order, under the demand locks nobody can change them any more.
  const withdrawn = await matchLifecycle.applyWhere(
    tx,
    { sql: `(${where}) AND demand_id IN (:...lockedDemandIds)`, params: { ...params, lockedDemandIds: [...demands.keys()] } },
    MatchStatus.WITHDRAWN,
    meta,
    { from: statuses },
  );
  // Units given back per demand item and per offer (in id order): statements by rows touched, not by matches.
  const total = (by: (m: Match) => string | null) => {
    const sums = new Map<string, number>();
    for (const { row } of withdrawn) {
      const key = by(row);
      if (key) sums.set(key, (sums.get(key) ?? 0) + row.quantity);
    }
    return [...sums].sort(([a], [b]) => (a < b ? -1 : 1));
  };
  for (const [demandId, quantity] of total((m) => m.demandId)) await settleDemand(tx, demands.get(demandId)!, { matched: -quantity }, meta.by);
  for (const [offerId, quantity] of total((m) => m.offerId)) await releaseOfferUnits(tx, offerId, quantity);
  return withdrawn;
}

/** Cancels a demand item and withdraws its live unfulfilled matches, all in one transaction. */
export async function cancelDemand(ctx: Ctx, id: string, reason: string, by: string): Promise<DemandItem> {
  checkText('reason', reason, { required: true });
  return inTransaction(ctx.db, async (tx) => {
    const demand = await lockDemand(tx, id);
    // Cancelled first, so releasing the units below only updates the counters (no OPEN in between).
    await demandLifecycle.apply(tx, demand, DemandStatus.CANCELLED, { by, note: reason, communityId: demand.communityId });
    // Each partner whose match it withdraws hears of it (demand.hooks.ts); all their inbox rows are one statement.
    await withdrawWhere(
      tx,
      'demand_id = :id',
      { id },
      UNFULFILLED_MATCH,
      { by, note: `Demand cancelled: ${reason}`, cause: DEMAND_CANCELLED, values: { reason: reason.trim() } },
      new Map([[id, demand]]),
    );
    return demand;
  });
}

/**
 * The cascade of endPartnership: withdraws the partner's PROPOSED and PENDING_REVIEW matches in
 * the community. Called by the demand hook on an ENDED partnership, inside its transaction.
 * Their cause is PARTNERSHIP_ENDED: told live only (queues and activity stay right), the
 * PARTNERSHIP_ENDED notification tells people.
 */
export function withdrawPartnerMatchesInCommunity(tx: EntityManager, partnerId: string, communityId: string, by: string | null, reason: string) {
  return withdrawWhere(
    tx,
    'partner_id = :partnerId AND community_id = :communityId',
    { partnerId, communityId },
    [MatchStatus.PROPOSED, MatchStatus.PENDING_REVIEW],
    { by, note: `Partnership ended: ${reason}`, cause: PARTNERSHIP_ENDED },
  );
}

// ---------------------------------------------------------------- claims and dispatches

export interface NewMatch {
  demandId: string;
  /** Null for an individual volunteer's claim (then `volunteerId`). */
  partnerId: string | null;
  volunteerId?: string | null;
  offerId: string | null;
  quantity: number;
  note: string | null;
  origin: MatchOrigin;
  by: string;
}

/** Whether the offer may be used for the demand item; throws the reason it may not. */
async function checkOfferFits(tx: EntityManager, offer: SupplyOffer, demand: DemandItem, partnerId: string): Promise<void> {
  const path = 'input.offerId';
  if (offer.partnerId !== partnerId) throw BadUserInputError.field(path, msg('demand.offerOtherPartner'));
  if (offer.category !== demand.category) throw BadUserInputError.field(
      path,
      msg('demand.offerCategory', { offered: { msg: 'demandCategory', values: { category: offer.category } }, needed: { msg: 'demandCategory', values: { category: demand.category } } }),
    );
  if (offer.status !== OfferStatus.ACTIVE) throw new InvalidStateError(msg('demand.offerNotActive', { status: { msg: 'status', values: { status: offer.status } } }), { offerStatus: offer.status });
  if (offer.availableUntil && offer.availableUntil.getTime() <= clockNow().getTime()) {
    throw new InvalidStateError(msg('demand.offerExpired', { until: { at: offer.availableUntil.toISOString() } }), { availableUntil: offer.availableUntil.toISOString() });
  }
  if (!offer.allCommunities) {
    const listed = await tx.exists(OfferCommunity, { where: { offerId: offer.id, communityId: demand.communityId } });
    if (!listed) throw BadUserInputError.field(path, msg('demand.offerNotListed'));
  }
}

function overClaim(what: 'demand item' | 'offer', remaining: number, unit: string): ConflictError {
  return new ConflictError(msg('demand.onlyRemain', { remaining, unit, what: what === 'offer' ? 'offer' : 'demand' }), {
    remaining,
    limitedBy: what === 'offer' ? 'OFFER' : 'DEMAND',
  });
}

/**
 * Inserts a match holding `quantity` units of the demand item (and of the offer), refusing with
 * CONFLICT and `extensions.remaining` what would over-claim either. Locks the demand row, then the
 * offer row, so concurrent claims queue up and each sees what the previous one left.
 */
export async function holdUnits(tx: EntityManager, input: NewMatch, status: MatchStatus, extra: Partial<Match>): Promise<Match> {
  const demand = await lockDemand(tx, input.demandId);
  if (demand.status === DemandStatus.CANCELLED || demand.status === DemandStatus.FULFILLED) {
    throw new InvalidStateError(msg('demand.demandStatus', { status: { msg: 'status', values: { status: demand.status } } }), { demandStatus: demand.status });
  }
  let offer: SupplyOffer | null = null;
  if (input.offerId) {
    offer = await tx.getRepository(SupplyOffer).createQueryBuilder('o').setLock('pessimistic_write').where('o.id = :id', { id: input.offerId }).getOne();
    if (!offer) throw new NotFoundError('offer', input.offerId, 'input.offerId');
    if (!input.partnerId) throw BadUserInputError.field('input.offerId', msg('demand.offerNeedsPartner'));
    await checkOfferFits(tx, offer, demand, input.partnerId);
  }
  if (input.quantity > demand.remainingQuantity) throw overClaim('demand item', demand.remainingQuantity, demand.unit);
  if (offer && input.quantity > offer.remainingQuantity) throw overClaim('offer', offer.remainingQuantity, offer.unit);

  const match = await tx.save(
    tx.create(Match, {
      communityId: demand.communityId,
      demandId: demand.id,
      partnerId: input.partnerId,
      volunteerId: input.volunteerId ?? null,
      offerId: offer?.id ?? null,
      quantity: input.quantity,
      origin: input.origin,
      status,
      note: input.note?.trim() || null,
      urgencyRank: URGENCY_RANK[demand.urgency],
      createdBy: input.by,
      reviewNote: null,
      reviewedById: null,
      reviewedAt: null,
      fulfilledAt: null,
      ...extra,
    }),
  );
  await matchLifecycle.created(tx, match, { by: input.by, note: match.note, communityId: match.communityId });
  await settleDemand(tx, demand, { matched: input.quantity }, input.by);
  if (offer) {
    await tx.query(`UPDATE supply_offer SET held_quantity = held_quantity + $1, updated_at = now() WHERE id = $2`, [input.quantity, offer.id]);
  }
  return match;
}

/** The database CHECKs behind the locks: should one ever fire, it is an over-claim, not a crash. */
async function translatingOverClaim<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (pgErrorCode(error) === PgErrorCode.checkViolation && /no_over_claim|status_follows/.test(pgConstraint(error) ?? '')) {
      throw new ConflictError(msg('demand.notEnough'), { remaining: 0 });
    }
    throw error;
  }
}

/**
 * Claiming alone (issue #14): the claimant must live in the item's community now, and the item must
 * be a wish (a resident's WISH request led to it). Both are read from residents' tables in the
 * claim's transaction (share-locked, so a concurrent leave waits): a table read, not an import of
 * residents/, which sits above demand.
 */
async function assertMayClaimAlone(tx: EntityManager, demand: DemandItem, input: ClaimDemandInput, userId: string): Promise<void> {
  if (input.offerId) throw BadUserInputError.field('input.offerId', msg('demand.offerNeedsPartner'));
  const [resident] = await tx.query(`SELECT 1 FROM residency WHERE user_id = $1 AND community_id = $2 AND left_at IS NULL FOR SHARE`, [userId, demand.communityId]);
  if (!resident) throw new ForbiddenError(msg('demand.claimAloneResidentsOnly'));
  const [wish] = await tx.query(`SELECT 1 FROM resident_request WHERE community_id = $1 AND demand_id = $2 AND kind = 'WISH' LIMIT 1`, [demand.communityId, demand.id]);
  if (!wish) throw BadUserInputError.field('input.partnerId', msg('demand.claimAloneWishesOnly'));
}

/** A partner, or a resident alone, claims (part of) a demand item; the match waits for the secretary's review. */
export async function claimDemand(ctx: Ctx, demand: DemandItem, input: ClaimDemandInput, by: string): Promise<Match> {
  return translatingOverClaim(() =>
    inTransaction(ctx.db, async (tx) => {
      if (input.partnerId) await assertActivePartnership(tx, input.partnerId, demand.communityId);
      else await assertMayClaimAlone(tx, demand, input, by);
      const match = await holdUnits(
        tx,
        {
          demandId: demand.id,
          partnerId: input.partnerId ?? null,
          volunteerId: input.partnerId ? null : by,
          offerId: input.offerId ?? null,
          quantity: input.quantity,
          note: input.note ?? null,
          origin: MatchOrigin.CLAIM,
          by,
        },
        MatchStatus.PENDING_REVIEW,
        {},
      );
      // Entering the review queue is told by the demand hooks (demand.hooks.ts).
      return match;
    }),
  );
}

/** A secretary proposes a partner's offer for a demand item; the partner accepts or declines. */
export async function dispatchOffer(ctx: Ctx, demand: DemandItem, offer: SupplyOffer, input: DispatchOfferInput, by: string): Promise<Match> {
  return translatingOverClaim(() =>
    inTransaction(ctx.db, async (tx) => {
      try {
        await assertActivePartnership(tx, offer.partnerId, demand.communityId);
      } catch (error) {
        if (error instanceof ForbiddenError) throw new InvalidStateError(msg('demand.offerPartnerInactive'));
        throw error;
      }
      // The dispatch is the secretary's review: it is recorded as such.
      const match = await holdUnits(
        tx,
        { demandId: demand.id, partnerId: offer.partnerId, offerId: offer.id, quantity: input.quantity, note: input.note ?? null, origin: MatchOrigin.DISPATCH, by },
        MatchStatus.PROPOSED,
        { reviewedById: by, reviewedAt: now() },
      );
      return match;
    }),
  );
}

// ---------------------------------------------------------------- match transitions

/** Runs `work` on the match with its demand item and the match locked (in that order). */
async function onMatch(ctx: Ctx, id: string, work: (tx: EntityManager, match: Match, demand: DemandItem) => Promise<void>): Promise<Match> {
  return inTransaction(ctx.db, async (tx) => {
    const first = await tx.findOneBy(Match, { id });
    if (!first) throw new NotFoundError('match', id, 'id');
    const demand = await lockDemand(tx, first.demandId);
    const match = await tx.getRepository(Match).createQueryBuilder('m').setLock('pessimistic_write').where('m.id = :id', { id }).getOneOrFail();
    await work(tx, match, demand);
    return match;
  });
}

function requireStatus(match: Match, status: MatchStatus, message: 'match.onlyProposed' | 'match.onlyPendingReview'): void {
  if (match.status !== status) throw new InvalidStateError(msg(message, { status: { msg: 'status', values: { status: match.status } } }), { from: match.status });
}

/** Ends a match that held units (REJECTED, DECLINED, WITHDRAWN), giving them back. */
async function endMatch(tx: EntityManager, match: Match, demand: DemandItem, to: MatchStatus, by: string, note: string | null, changes: Partial<Match> = {}) {
  await matchLifecycle.apply(tx, match, to, { by, note, communityId: match.communityId }, changes);
  await settleDemand(tx, demand, { matched: -match.quantity }, by);
  if (match.offerId) await releaseOfferUnits(tx, match.offerId, match.quantity);
}

export async function respondToDispatch(ctx: Ctx, id: string, accept: boolean, note: string | null | undefined, by: string): Promise<Match> {
  checkText('note', note);
  return onMatch(ctx, id, async (tx, match, demand) => {
    requireStatus(match, MatchStatus.PROPOSED, 'match.onlyProposed');
    if (accept) await matchLifecycle.apply(tx, match, MatchStatus.APPROVED, { by, note, communityId: match.communityId });
    else await endMatch(tx, match, demand, MatchStatus.DECLINED, by, note ?? null);
  });
}

export async function reviewMatch(ctx: Ctx, id: string, decision: ReviewDecision, note: string | null | undefined, by: string): Promise<Match> {
  checkText('note', note);
  return onMatch(ctx, id, async (tx, match, demand) => {
    requireStatus(match, MatchStatus.PENDING_REVIEW, 'match.onlyPendingReview');
    const review = { reviewNote: note ?? null, reviewedById: by, reviewedAt: now() };
    if (decision === ReviewDecision.APPROVE) {
      await matchLifecycle.apply(tx, match, MatchStatus.APPROVED, { by, note, communityId: match.communityId }, review);
    } else {
      matchLifecycle.assertTransition(match.status, MatchStatus.REJECTED);
      await endMatch(tx, match, demand, MatchStatus.REJECTED, by, note ?? null, review);
    }
  });
}

export async function withdrawMatch(ctx: Ctx, id: string, reason: string, by: string): Promise<Match> {
  checkText('reason', reason, { required: true });
  return onMatch(ctx, id, async (tx, match, demand) => {
    matchLifecycle.assertTransition(match.status, MatchStatus.WITHDRAWN);
    await endMatch(tx, match, demand, MatchStatus.WITHDRAWN, by, reason);
  });
}

export async function markMatchFulfilled(ctx: Ctx, id: string, note: string | null | undefined, by: string): Promise<Match> {
  checkText('note', note);
  return onMatch(ctx, id, async (tx, match, demand) => {
    await matchLifecycle.apply(tx, match, MatchStatus.FULFILLED, { by, note, communityId: match.communityId }, { fulfilledAt: now() });
    await settleDemand(tx, demand, { fulfilled: match.quantity }, by);
  });
}

export async function evaluateMatch(ctx: Ctx, match: Match, input: EvaluationInput, by: string): Promise<Evaluation> {
  try {
    return await inTransaction(ctx.db, async (tx) => {
      const current = await tx.getRepository(Match).createQueryBuilder('m').setLock('pessimistic_read').where('m.id = :id', { id: match.id }).getOneOrFail();
      if (current.status !== MatchStatus.FULFILLED) {
        throw new InvalidStateError(msg('match.onlyFulfilledEvaluated', { status: { msg: 'status', values: { status: current.status } } }), { from: current.status });
      }
      if (await tx.exists(Evaluation, { where: { communityId: match.communityId, matchId: match.id } })) throw new ConflictError(msg('match.alreadyEvaluated'));
      const evaluation = await tx.save(
        tx.create(Evaluation, {
          communityId: current.communityId,
          matchId: current.id,
          partnerId: current.partnerId,
          rating: input.rating,
          comment: input.comment?.trim() || null,
          evaluatedById: by,
        }),
      );
      // An evaluation is no transition (the match stays FULFILLED): the one match event told from here.
      await announceMatch(tx, {
        match: current,
        from: current.status,
        by,
        kind: 'MATCH_EVALUATED',
        notify: doers(current),
        message: (n) => msg('notification.match.evaluated', { ...matchValues(n, current), rating: evaluation.rating, ...noteValues(evaluation.comment) }),
      });
      return evaluation;
    });
  } catch (error) {
    if (pgErrorCode(error) === PgErrorCode.uniqueViolation) throw new ConflictError(msg('match.alreadyEvaluated'));
    throw error;
  }
}

// ---------------------------------------------------------------- match lists

export function listMatches(ctx: Ctx, filter: MatchFilter | null | undefined, page: PageArgs, selection?: FieldTree) {
  const qb = ctx.db.getRepository(Match).createQueryBuilder('m');
  // Only the matches the viewer may see (demand.visibility.ts): filtered here, so pages and totalCount agree.
  const visible = visibleMatchesWhere(ctx);
  qb.andWhere(visible.sql, visible.params);
  if (filter?.communityId) qb.andWhere('m.community_id = :communityId', { communityId: filter.communityId });
  if (filter?.partnerId) qb.andWhere('m.partner_id = :partnerId', { partnerId: filter.partnerId });
  if (filter?.demandId) qb.andWhere('m.demand_id = :demandId', { demandId: filter.demandId });
  if (filter?.status?.length) qb.andWhere('m.status IN (:...statuses)', { statuses: filter.status });
  // Its rows carry only the columns the query reads (this code reads only the sort keys).
  const related = selection ? prefetch(ctx, Match, MATCH_RELATIONS, below(selection, 'edges', 'node'), { ownColumns: true }) : null;
  return paginate(qb, createdOrder('m'), page, withViewerRoles(ctx, related), pageNeeds(selection));
}

const REVIEW_ORDER: SortKey<Match>[] = [
  { sql: 'm.urgency_rank', dir: 'DESC', kind: 'int', value: (m) => m.urgencyRank },
  { sql: 'm.created_at', dir: 'ASC', kind: 'instant', value: (m) => m.createdAt.toISOString() },
  { sql: 'm.id', dir: 'ASC', kind: 'uuid', value: (m) => m.id },
];

/** PENDING_REVIEW matches of one community: most urgent demand first, then oldest claim first. */
export function reviewQueue(ctx: Ctx, communityId: string, page: PageArgs, selection?: FieldTree) {
  const qb = ctx.db
    .getRepository(Match)
    .createQueryBuilder('m')
    .where('m.community_id = :communityId AND m.status = :status', { communityId, status: MatchStatus.PENDING_REVIEW });
  // A secretary's queue shows how many wait: counted in the page's statement when asked for.
  // Its rows carry only the columns the query reads (this code reads only the sort keys).
  // The viewer's roles come in the same statement: the resolver checks them before answering (authorizeRead).
  const related = selection ? prefetch(ctx, Match, MATCH_RELATIONS, below(selection, 'edges', 'node'), { ownColumns: true }) : null;
  return paginate(qb, REVIEW_ORDER, page, withViewerRoles(ctx, related), pageNeeds(selection));
}

// ---------------------------------------------------------------- public board

export function openDemandsOf(ctx: Ctx, communityId: string, first: number): Promise<DemandItem[]> {
  return heavyRead(ctx, (c) =>
    c.db
      .getRepository(DemandItem)
      .createQueryBuilder('d')
      .where('d.community_id = :communityId AND d.status = :status', { communityId, status: DemandStatus.OPEN })
      .orderBy('d.urgency_rank', 'DESC')
      .addOrderBy('d.created_at', 'ASC')
      .addOrderBy('d.id', 'ASC')
      .limit(first)
      .getMany(),
  );
}

/** MATCHED items (every unit held, someone working on them), the longest-held first. */
export function inProgressDemandsOf(ctx: Ctx, communityId: string, first: number): Promise<DemandItem[]> {
  return heavyRead(ctx, (c) =>
    c.db
      .getRepository(DemandItem)
      .createQueryBuilder('d')
      .where('d.community_id = :communityId AND d.status = :status', { communityId, status: DemandStatus.MATCHED })
      .orderBy('d.updated_at', 'ASC')
      .addOrderBy('d.id', 'ASC')
      .limit(first)
      .getMany(),
  );
}

export function recentlyFulfilledOf(ctx: Ctx, communityId: string, first: number): Promise<Match[]> {
  return heavyRead(ctx, (c) =>
    c.db
      .getRepository(Match)
      .createQueryBuilder('m')
      .where('m.community_id = :communityId AND m.status = :status', { communityId, status: MatchStatus.FULFILLED })
      .orderBy('m.fulfilled_at', 'DESC')
      .addOrderBy('m.id', 'DESC')
      .limit(first)
      .getMany(),
  );
}
