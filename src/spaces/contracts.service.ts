import { now as clockNow } from '../common/clock';
import { DateTime } from 'luxon';
import type { DataSource, EntityManager } from 'typeorm';
import type { Ctx } from '../context';
import { byId, groupedBy, loader } from '../common/loaders';
import { createdOrder, paginate, type PageArgs } from '../common/pagination';
import { localToday, occurrencesOnDates, sameSlot, type Occurrence } from '../common/slots';
import { checkText } from '../common/validation';
import { findCommunity } from '../communities/communities.service';
import type { Room, WeeklySlot } from '../communities/room.entity';
import { inTransaction } from '../db/transaction';
import { BadUserInputError, ConflictError, fieldError, InvalidStateError, NotFoundError, PgErrorCode, pgErrorCode, type FieldError } from '../errors';
import { msg, type MessageValue } from '../i18n/messages';
import { PartnershipStatus } from '../partners/partner.entity';
import { ReviewDecision } from '../common/review';
import { assertActivePartnership } from '../partners/partners.service';
import { Booking } from './booking.entity';
import { adoptOwnBookings, cancelBookingsFrom, insertContractBookings, lockRoomSlots } from './bookings.service';
import { contractLifecycle } from './contract.lifecycle';
import { isoRange, startOfLocalDay, takenOccurrences, type Range } from './occurrences';
import { PARTNERSHIP_ENDED } from '../partners/partnership.lifecycle';
import { ContractCheck, ContractStatus, effectiveStatus, effectiveStatusSql, expiredSql, EXPIRY, isExpired, purposeOfSlot, SpaceContract } from './space-contract.entity';
import type { ContractFilter, ProposeContractInput } from './spaces.inputs';
import { contractVisibility, visibleContractsWhere } from './spaces.visibility';
import { MAX_TERM_DAYS } from '../common/row-bounds';

export { PARTNERSHIP_ENDED };

/** Attempts at an approval that lost a race to a concurrent booking before answering CONFLICT. */
const APPROVAL_ATTEMPTS = 3;

/** PENDING_REVIEW and REJECTED contracts are visible to the partner's members and the community's secretaries only (spaces.visibility.ts). */
export async function canSeeContract(ctx: Ctx, contract: SpaceContract): Promise<boolean> {
  return (await contractVisibility(ctx, contract)).row;
}

/** The contract if the viewer may see it, else null (as if it did not exist). */
export async function visibleContract(ctx: Ctx, id: string): Promise<SpaceContract | null> {
  const contract = await byId(ctx, SpaceContract).load(id);
  return contract && (await canSeeContract(ctx, contract)) ? contract : null;
}

export async function findContract(ctx: Ctx, id: string, path = 'id'): Promise<SpaceContract> {
  const contract = await visibleContract(ctx, id);
  if (!contract) throw new NotFoundError('contract', id, path);
  return contract;
}

export async function listContracts(ctx: Ctx, filter: ContractFilter | null | undefined, page: PageArgs) {
  const qb = ctx.db.getRepository(SpaceContract).createQueryBuilder('c');
  if (filter?.communityId) qb.andWhere('c.community_id = :communityId', { communityId: filter.communityId });
  if (filter?.partnerId) qb.andWhere('c.partner_id = :partnerId', { partnerId: filter.partnerId });
  if (filter?.roomId) qb.andWhere('c.room_id = :roomId', { roomId: filter.roomId });
  if (filter?.status?.length) qb.andWhere(`${effectiveStatusSql('c')} IN (:...statuses)`, { statuses: filter.status, asOf: clockNow() });
  const visible = await visibleContractsWhere(ctx);
  if (visible) qb.andWhere(visible.sql, visible.params);
  return paginate(qb, createdOrder('c'), page);
}

/** Validates a proposal against the room and the calendar; every problem named by its field. */
function checkProposal(input: ProposeContractInput, room: Room, zone: string): void {
  const errors: FieldError[] = [];
  input.weeklySlots.forEach((slot, i) => {
    if (!room.weeklySlots.some((s) => sameSlot(s, slot))) {
      errors.push(fieldError(`input.weeklySlots[${i}]`, msg('contract.slotNotOffered', { slot: slotValue(slot) })));
    } else if (input.weeklySlots.slice(0, i).some((s) => sameSlot(s, slot))) {
      errors.push(fieldError(`input.weeklySlots[${i}]`, msg('field.listedTwice')));
    }
  });
  (input.ownUseSlots ?? []).forEach((slot, i) => {
    if (!input.weeklySlots.some((s) => sameSlot(s, slot))) {
      errors.push(fieldError(`input.ownUseSlots[${i}]`, msg('contract.ownUseNotInSlots', { slot: slotValue(slot) })));
    } else if (input.ownUseSlots!.slice(0, i).some((s) => sameSlot(s, slot))) {
      errors.push(fieldError(`input.ownUseSlots[${i}]`, msg('field.listedTwice')));
    }
  });
  // A contract is the partner's promise of public-benefit sessions: some slot must hold them.
  if (input.weeklySlots.every((s) => (input.ownUseSlots ?? []).some((o) => sameSlot(o, s)))) {
    errors.push(fieldError('input.ownUseSlots', msg('contract.noPublicBenefitSlot')));
  }
  const today = localToday(zone);
  if (input.startsOn < today) errors.push(fieldError('input.startsOn', msg('field.todayOrLater', { today: { day: today }, zone })));
  const days = DateTime.fromISO(input.endsOn).diff(DateTime.fromISO(input.startsOn), 'days').days + 1;
  if (days < 1) errors.push(fieldError('input.endsOn', msg('field.mustNotBeBefore', { other: 'startsOn' })));
  else if (days > MAX_TERM_DAYS) errors.push(fieldError('input.endsOn', msg('field.termAtMostDays', { days: MAX_TERM_DAYS })));
  if (errors.length) throw new BadUserInputError(errors);
  if (!occurrencesOnDates(input.weeklySlots, zone, input.startsOn, input.endsOn).length) {
    throw BadUserInputError.field('input.endsOn', msg('contract.noOccurrence'));
  }
}

/** The proposal's title and commitment, trimmed; neither may be blank. */
function proposalTexts(input: ProposeContractInput): { title: string; commitment: string } {
  const title = input.title.trim();
  const commitment = input.publicBenefitCommitment.trim();
  if (!title) throw BadUserInputError.field('input.title', msg('field.mustNotBeEmpty'));
  if (!commitment) throw BadUserInputError.field('input.publicBenefitCommitment', msg('field.mustNotBeEmpty'));
  return { title, commitment };
}

export async function proposeContract(ctx: Ctx, room: Room, input: ProposeContractInput, by: string): Promise<SpaceContract> {
  const community = await findCommunity(ctx, room.communityId);
  checkProposal(input, room, community.timezone);
  const { title, commitment } = proposalTexts(input);
  return inTransaction(ctx.db, async (tx) => {
    await assertActivePartnership(tx, input.partnerId, room.communityId);
    const contract = await tx.save(
      tx.create(SpaceContract, {
        communityId: room.communityId,
        roomId: room.id,
        partnerId: input.partnerId,
        title,
        publicBenefitCommitment: commitment,
        sessionsPerMonth: input.sessionsPerMonth,
        weeklySlots: input.weeklySlots.map(plainSlot),
        ownUseSlots: (input.ownUseSlots ?? []).map(plainSlot),
        startsOn: input.startsOn,
        endsOn: input.endsOn,
        endsAt: DateTime.fromISO(input.endsOn, { zone: community.timezone }).plus({ days: 1 }).startOf('day').toJSDate(),
        terminatedOn: null,
        status: ContractStatus.PENDING_REVIEW,
        proposedBy: by,
      }),
    );
    // Told by the hooks of spaces.hooks.ts, as every contract transition.
    await contractLifecycle.created(tx, contract, { by, communityId: room.communityId });
    return contract;
  });
}

/**
 * proposeContract's dry run (Query.checkContract): the same checks and refusals, then the term's
 * occurrences still ahead and those taken by someone else, as approval would find them now. Reads
 * only, over the whole term (up to MAX_TERM_DAYS, where Room.availability stops at 92 days).
 */
export async function checkContract(ctx: Ctx, room: Room, input: ProposeContractInput): Promise<ContractCheck> {
  const zone = (await findCommunity(ctx, room.communityId)).timezone;
  checkProposal(input, room, zone);
  proposalTexts(input);
  await inTransaction(ctx.db, (tx) => assertActivePartnership(tx, input.partnerId, room.communityId));
  const occurrences = futureOccurrences(input, zone);
  // The partner's own single bookings of exactly an occurrence are not conflicts (approval adopts them).
  const { taken } = (
    await takenOccurrences(ctx.db, [{ key: 'term', communityId: room.communityId, roomId: room.id, contractId: null, partnerId: input.partnerId, occurrences }])
  ).get('term')!;
  return {
    occurrences: occurrences.length,
    free: occurrences.length - taken.length,
    conflicts: taken.map((t) => ({ ...t, available: false, communityId: room.communityId })),
  };
}

const plainSlot = ({ weekday, startTime, endTime }: WeeklySlot): WeeklySlot => ({ weekday, startTime, endTime });

/** The term's occurrences still ahead of `now`, in the community's zone. */
function futureOccurrences(contract: Pick<SpaceContract, 'weeklySlots' | 'startsOn' | 'endsOn'>, zone: string, now = clockNow()): Occurrence[] {
  return occurrencesOnDates(contract.weeklySlots, zone, contract.startsOn, contract.endsOn).filter((o) => o.start > now);
}

/**
 * SpaceContract.conflicts: future occurrences of the term taken by someone else; one query per
 * request. The partner's own single bookings of exactly an occurrence are not conflicts: approval
 * takes them into the contract.
 */
export function contractConflicts(ctx: Ctx, contract: SpaceContract): Promise<Range[]> {
  const status = effectiveStatus(contract);
  if (status !== ContractStatus.PENDING_REVIEW && status !== ContractStatus.ACTIVE) return Promise.resolve([]);
  return loader<SpaceContract, Range[]>(ctx, 'contractConflicts', async (contracts) => {
    const zones = await Promise.all(contracts.map((c) => findCommunity(ctx, c.communityId).then((cm) => cm.timezone)));
    const taken = await takenOccurrences(
      ctx.db,
      contracts.map((c, i) => ({
        key: c.id,
        communityId: c.communityId,
        roomId: c.roomId,
        contractId: c.id,
        partnerId: c.partnerId,
        occurrences: futureOccurrences(c, zones[i]),
      })),
    );
    return contracts.map((c) => taken.get(c.id)?.taken ?? []);
  }).load(contract);
}

/** SpaceContract.bookings: every booking of the contract (cancelled ones too), chronological. */
export async function contractBookings(ctx: Ctx, contract: SpaceContract, from?: Date | null, to?: Date | null): Promise<Booking[]> {
  if (from && to && from >= to) throw BadUserInputError.field('to', msg('field.mustBeAfter', { other: 'from' }));
  const all = await groupedBy(ctx, Booking, 'contractId', { startAt: 'ASC', id: 'ASC' }).load(contract.id);
  return all.filter((b) => (!from || b.endAt > from) && (!to || b.startAt < to));
}

async function lockContract(tx: EntityManager, id: string): Promise<SpaceContract> {
  return tx.getRepository(SpaceContract).createQueryBuilder('c').setLock('pessimistic_write').where('c.id = :id', { id }).getOneOrFail();
}

/**
 * APPROVE books every future occurrence of the term in one statement, or nothing: any taken
 * occurrence fails it with CONFLICT listing them in `extensions.conflicts`, unless `skipConflicts`,
 * which books the free ones and records the skipped dates in the history note. Each booking is for
 * its slot's purpose (purposeOfSlot). An occurrence the partner itself already booked (a single
 * booking) is not taken: approval links that booking to the contract instead (with its slot's
 * purpose and the contract's title), so the date is inside the contract and booked once. REJECT
 * books nothing.
 */
export async function reviewContract(
  ctx: Ctx,
  contract: SpaceContract,
  decision: ReviewDecision,
  note: string | null | undefined,
  skipConflicts: boolean,
  by: string,
): Promise<SpaceContract> {
  checkText('note', note);
  const zone = (await findCommunity(ctx, contract.communityId)).timezone;
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(ctx.db, async (tx) => {
        if (decision === ReviewDecision.REJECT) {
          const locked = await lockContract(tx, contract.id);
          await contractLifecycle.apply(tx, locked, ContractStatus.REJECTED, { by, note, communityId: locked.communityId });
          return locked;
        }
        // Partnership before contract: the order endPartnership takes them in, so the two never deadlock.
        const [partnership] = await tx.query(
          `SELECT 1 FROM partnership WHERE partner_id = $1 AND community_id = $2 AND status = $3 FOR SHARE`,
          [contract.partnerId, contract.communityId, PartnershipStatus.ACTIVE],
        );
        const locked = await lockContract(tx, contract.id);
        contractLifecycle.assertTransition(locked.status, ContractStatus.ACTIVE);
        if (!partnership) throw new InvalidStateError(msg('contract.partnershipNotActive'));
        await approve(tx, locked, zone, note ?? null, skipConflicts, by);
        return locked;
      });
    } catch (error) {
      // A booking committed between our conflict check and our insert: check again with it visible.
      if (pgErrorCode(error) !== PgErrorCode.exclusionViolation) throw error;
      if (attempt >= APPROVAL_ATTEMPTS) throw new ConflictError(msg('contract.bookedConcurrently'));
    }
  }
}

/** The approval proper; the caller holds the partnership (checked ACTIVE) and the contract locked. */
async function approve(tx: EntityManager, contract: SpaceContract, zone: string, note: string | null, skipConflicts: boolean, by: string) {
  const now = clockNow();
  if (contract.endsAt <= now) throw new InvalidStateError(msg('contract.termEnded', { endsOn: { day: contract.endsOn } }));
  const roomSlots = await lockRoomSlots(tx, contract.communityId, contract.roomId);
  const removed = contract.weeklySlots.filter((s) => !roomSlots.some((r) => sameSlot(r, s)));
  if (removed.length) {
    throw new InvalidStateError(msg('contract.slotsRemoved', { slots: { list: removed.map(slotValue) } }));
  }
  const occurrences = futureOccurrences(contract, zone, now);
  if (!occurrences.length) throw new InvalidStateError(msg('contract.noFutureOccurrence'));
  const { taken, own } = (
    await takenOccurrences(tx, [
      { key: 'c', communityId: contract.communityId, roomId: contract.roomId, contractId: contract.id, partnerId: contract.partnerId, occurrences },
    ])
  ).get('c')!;
  if (taken.length && (!skipConflicts || taken.length === occurrences.length)) {
    throw new ConflictError(
      msg('contract.occurrencesTaken', { taken: taken.length, total: occurrences.length, noneFree: skipConflicts ? 'yes' : 'no' }),
      { conflicts: taken.map((t) => isoRange(t, zone)) },
    );
  }
  const takenStarts = new Set(taken.map((t) => t.start.getTime()));
  const slotAt = new Map(occurrences.map((o) => [o.start.getTime(), o.slot]));
  const kind = (o: Range) => purposeOfSlot(contract, slotAt.get(o.start.getTime())!);
  // The partner's own bookings become the contract's; one cancelled since the check above is
  // simply not adopted, and its date is booked below like any free one.
  const adopted = own.length ? await adoptOwnBookings(tx, contract, own.map((o) => ({ ...o, kind: kind(o) }))) : [];
  const adoptedStarts = new Set(adopted.map((a) => a.start.getTime()));
  const free = occurrences.filter((o) => !takenStarts.has(o.start.getTime()) && !adoptedStarts.has(o.start.getTime()));
  await insertContractBookings(tx, contract, free.map((o) => ({ ...o, kind: kind(o) })), by, msg('history.bookedByApproval'));
  // The adopted and skipped dates follow the secretary's note, in the reader's language and the community's time.
  const dates = (list: Range[]) => ({ list: list.map((t) => ({ at: t.start.toISOString(), timeZone: zone })) });
  const skipped = taken.length ? msg('history.skippedOccurrences', { count: taken.length, occurrences: dates(taken) }) : null;
  const noteMessage = adopted.length
    ? msg('history.adoptedOccurrences', {
        count: adopted.length,
        occurrences: dates(adopted),
        hasSkipped: skipped ? 'yes' : 'no',
        skipped: skipped ? { msg: skipped.id, values: skipped.values } : '',
      })
    : skipped;
  return contractLifecycle.apply(tx, contract, ContractStatus.ACTIVE, { by, note, noteMessage, communityId: contract.communityId });
}

/** ACTIVE -> TERMINATED, cancelling the contract's bookings from `effectiveOn` (never those already begun). */
export async function terminateContract(ctx: Ctx, contract: SpaceContract, reason: string, effectiveOn: string | null | undefined, by: string) {
  checkText('reason', reason, { required: true });
  const zone = (await findCommunity(ctx, contract.communityId)).timezone;
  const today = localToday(zone);
  const on = effectiveOn ?? today;
  if (on < today) throw BadUserInputError.field('effectiveOn', msg('field.todayOrLater', { today: { day: today }, zone }));
  if (on > contract.endsOn) throw BadUserInputError.field('effectiveOn', msg('contract.effectiveAfterEnd', { endsOn: { day: contract.endsOn } }));
  return inTransaction(ctx.db, async (tx) => {
    const locked = await lockContract(tx, contract.id);
    if (isExpired(locked)) {
      throw new InvalidStateError(msg('contract.expiredAt', { endsOn: { day: locked.endsOn } }), { from: ContractStatus.EXPIRED, to: ContractStatus.TERMINATED });
    }
    const from = new Date(Math.max(startOfLocalDay(on, zone).getTime(), clockNow().getTime()));
    await contractLifecycle.apply(tx, locked, ContractStatus.TERMINATED, { by, note: reason, communityId: locked.communityId }, { terminatedOn: on });
    // The contract's one event (spaces.hooks.ts) stands for all the bookings cancelled here.
    await cancelBookingsFrom(tx, { contractId: locked.id }, from, by, msg('history.contractTerminated', { reason }));
    return locked;
  });
}

/**
 * The spaces part of ending a partnership, inside its transaction (a hook, spaces.hooks.ts): the
 * partner's pending contracts there are rejected, the ACTIVE ones terminated (or recorded EXPIRED
 * when their term has ended), each set in one statement, and its future bookings there cancelled
 * in one more. Their cause is PARTNERSHIP_ENDED: the hooks tell them live only, the
 * PARTNERSHIP_ENDED notification tells people.
 */
export async function endContractsOfPartnership(tx: EntityManager, partnerId: string, communityId: string, by: string | null, reason: string) {
  const [{ timezone }] = await tx.query(`SELECT timezone FROM community WHERE id = $1`, [communityId]);
  const ofPartner = 'partner_id = :partnerId AND community_id = :communityId';
  const asOf = clockNow();
  const note = msg('history.partnershipEnded', { reason });
  const meta = { by, note: null, noteMessage: note, communityId, cause: PARTNERSHIP_ENDED };
  const rejected = await contractLifecycle.applyWhere(tx, { sql: ofPartner, params: { partnerId, communityId } }, ContractStatus.REJECTED, meta);
  const expired = await contractLifecycle.applyWhere(tx, { sql: `${ofPartner} AND ${expiredSql()}`, params: { partnerId, communityId, asOf } }, EXPIRY.to, {
    ...meta,
    by: null,
    noteMessage: msg('history.termEnded'),
  });
  const terminated = await contractLifecycle.applyWhere(
    tx,
    { sql: `${ofPartner} AND NOT ${expiredSql()}`, params: { partnerId, communityId, asOf } },
    ContractStatus.TERMINATED,
    meta,
    { changes: { terminatedOn: localToday(timezone) } },
  );
  await cancelBookingsFrom(tx, { partnerId, communityId }, asOf, by, note);
  return [...rejected, ...expired, ...terminated];
}

/**
 * ACTIVE -> EXPIRED (EXPIRY) for every contract whose term has ended, with history, in one
 * statement; safe to run from several processes at once. Reads never wait for it: `status`
 * derives EXPIRED already.
 */
export async function expireContracts(db: DataSource): Promise<number> {
  return inTransaction(db, async (tx) => {
    const expired = await contractLifecycle.applyWhere(tx, { sql: expiredSql(), params: { asOf: clockNow() } }, EXPIRY.to, {
      by: null,
      noteMessage: msg('history.termEnded'),
    });
    // Told by the hooks of spaces.hooks.ts: only the process whose UPDATE took a row tells of it,
    // so several sweeping at once never tell twice.
    return expired.length;
  });
}

/** A weekly slot as messages write it: the weekday in the reader's language. */
const slotValue = (s: { weekday: string; startTime: string; endTime: string }): MessageValue => ({
  msg: 'slot',
  values: { weekday: { weekday: s.weekday }, startTime: s.startTime, endTime: s.endTime },
});
