import { findOr404 } from '../common/find';
import { heavyRead } from '../common/heavy-read';
import { now as clockNow } from '../common/clock';
import { DateTime } from 'luxon';
import type { EntityManager } from 'typeorm';
import type { Ctx } from '../context';
import { loader } from '../common/loaders';
import { pageNeeds, paginate, type PageArgs, type SortKey } from '../common/pagination';
import { prefetch } from '../common/prefetch';
import { below, type FieldTree } from '../common/selection';
import { withViewerRoles } from '../auth/visibility';
import { occurrenceStartingAt, sameSlot, WEEKDAYS, type Occurrence } from '../common/slots';
import { checkText } from '../common/validation';
import { checkRange, findCommunity, MAX_AVAILABILITY_DAYS } from '../communities/communities.service';
import type { Community } from '../communities/community.entity';
import type { Room, WeeklySlot } from '../communities/room.entity';
import { inTransaction } from '../db/transaction';
import { BadUserInputError, ConflictError, InvalidStateError, NotFoundError, PgErrorCode, pgErrorCode } from '../errors';
import { DEFAULT_LOCALE } from '../i18n/locale';
import { msg, render, type Msg } from '../i18n/messages';
import { assertActivePartnership } from '../partners/partners.service';
import { Booking, BookingPurpose, BookingStatus } from './booking.entity';
import { bookingLifecycle } from './booking.lifecycle';
import { isoRange, type Range } from './occurrences';
import type { BookingFilter, BookSlotInput } from './spaces.inputs';
import { BOOKING_RELATIONS } from './spaces.prefetch';
import { effectiveStatus, ContractStatus, purposeOfSlot, SpaceContract } from './space-contract.entity';

import { UPCOMING_SESSIONS_LIMIT } from '../common/row-bounds';

/** How far ahead a single occurrence may be booked (contracts book their whole term). */
export const BOOKING_HORIZON_DAYS = 180;
export { PRIVATE_PURPOSE } from './spaces.visibility';

export const findBooking = (ctx: Ctx, id: string, path = 'id') => findOr404(ctx, Booking, id, { thing: 'booking', path });

/** Chronological, then by id: the order of every booking list. */
export const startOrder = (alias: string): SortKey<Booking>[] => [
  { sql: `${alias}.start_at`, dir: 'ASC', kind: 'instant', value: (b) => b.startAt.toISOString() },
  { sql: `${alias}.id`, dir: 'ASC', kind: 'uuid', value: (b) => b.id },
];

/** A page of bookings; the rooms and partners its query selects (`selection`, the connection's) come in its statement. */
export function listBookings(ctx: Ctx, filter: BookingFilter, page: PageArgs, selection?: FieldTree) {
  return heavyRead(ctx, (c) => bookingsPage(c, filter, page, selection));
}

function bookingsPage(ctx: Ctx, filter: BookingFilter, page: PageArgs, selection?: FieldTree) {
  const qb = ctx.db.getRepository(Booking).createQueryBuilder('b');
  if (filter.communityId) qb.andWhere('b.community_id = :communityId', { communityId: filter.communityId });
  if (filter.roomId) qb.andWhere('b.room_id = :roomId', { roomId: filter.roomId });
  if (filter.partnerId) qb.andWhere('b.partner_id = :partnerId', { partnerId: filter.partnerId });
  if (filter.contractId) qb.andWhere('b.contract_id = :contractId', { contractId: filter.contractId });
  if (filter.from) qb.andWhere('b.end_at > :from', { from: filter.from });
  if (filter.to) qb.andWhere('b.start_at < :to', { to: filter.to });
  if (filter.from && filter.to && filter.from >= filter.to) throw BadUserInputError.field('filter.to', msg('field.mustBeAfter', { other: 'filter.from' }));
  if (filter.status) qb.andWhere('b.status = :status', { status: filter.status });
  // The viewer's roles come too: bookingVisibility asks them of each booking's partner and purpose.
  // Its rows carry the columns the query reads (spaces.prefetch.ts names what purpose and partner check).
  const related = selection ? prefetch(ctx, Booking, BOOKING_RELATIONS, below(selection, 'edges', 'node'), { ownColumns: true }) : null;
  return paginate(qb, startOrder('b'), page, withViewerRoles(ctx, related), pageNeeds(selection));
}

/**
 * CONFIRMED bookings of a room overlapping [from, to): one query per distinct range per request,
 * however many rooms ask (Room.bookings and Room.availability share it).
 */
export function confirmedBookingsOfRoom(ctx: Ctx, room: Pick<Room, 'id' | 'communityId'>, from: Date, to: Date): Promise<Booking[]> {
  // Keyed `community/room|from|to`: the rooms' communities name the shards under Citus.
  const load = loader<string, Booking[]>(ctx, 'confirmedBookingsByRoomAndRange', async (keys) => {
    const ranges = new Map<string, [string, string][]>();
    for (const key of keys) {
      const [room, range] = [key.slice(0, key.indexOf('|')), key.slice(key.indexOf('|') + 1)];
      ranges.set(range, [...(ranges.get(range) ?? []), room.split('/') as [string, string]]);
    }
    const found = new Map<string, Booking[]>(keys.map((k) => [k, []]));
    for (const [range, pairs] of ranges) {
      const [f, t] = range.split('|');
      const rooms = pairs.map(([, r]) => r);
      const communities = [...new Set(pairs.map(([c]) => c))];
      const rows = await ctx.db
        .getRepository(Booking)
        .createQueryBuilder('b')
        .where(`b.community_id IN (:...communities) AND b.room_id IN (:...rooms) AND b.status = 'CONFIRMED' AND b.start_at < :t AND b.end_at > :f`, { communities, rooms, f, t })
        .orderBy('b.start_at', 'ASC')
        .addOrderBy('b.id', 'ASC')
        .getMany();
      for (const b of rows) found.get(`${b.communityId}/${b.roomId}|${range}`)?.push(b);
    }
    return keys.map((k) => found.get(k)!);
  });
  return load.load(`${room.communityId}/${room.id}|${from.toISOString()}|${to.toISOString()}`);
}

/** The foundation's `TakenRanges` for Room.availability: CONFIRMED bookings. */
export const takenByBookings = async (ctx: Ctx, room: Room, from: Date, to: Date): Promise<Range[]> =>
  (await confirmedBookingsOfRoom(ctx, room, from, to)).map((b) => ({ start: b.startAt, end: b.endAt }));

export function roomBookings(ctx: Ctx, room: Room, from: Date, to: Date): Promise<Booking[]> {
  checkRange(from, to, MAX_AVAILABILITY_DAYS);
  return confirmedBookingsOfRoom(ctx, room, from, to);
}


/** The room's weekly slots, share-locked so that updateRoom cannot remove one under a booking being made. */
export async function lockRoomSlots(tx: EntityManager, communityId: string, roomId: string): Promise<WeeklySlot[]> {
  const [row] = await tx.query(`SELECT weekly_slots FROM room WHERE community_id = $1 AND id = $2 FOR SHARE`, [communityId, roomId]);
  return row?.weekly_slots ?? [];
}

/**
 * Requests for one occurrence take turns. The exclusion constraint alone stays correct, but a crowd
 * of concurrent inserts into one range makes each wait on the others' uncommitted rows, and those
 * waits deadlock and time out under load (seen at 200 requests on two processes). Queued on a
 * transaction-scoped advisory lock, each finds the winner's committed row at once: CONFLICT.
 */
async function queueForOccurrence(tx: EntityManager, roomId: string, start: Date): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`booking:${roomId}:${start.toISOString()}`]);
}

/**
 * Books one occurrence (DESIGN invariant 4): exactly a slot occurrence in the community's zone, in
 * the future, at most 180 days ahead. The exclusion constraint decides races: the loser gets CONFLICT.
 */
export async function bookSlot(ctx: Ctx, room: Room, input: BookSlotInput, by: string): Promise<Booking> {
  const community = await findCommunity(ctx, room.communityId);
  const zone = community.timezone;
  const now = clockNow();
  const start = input.start;
  if (start <= now) throw BadUserInputError.field('input.start', msg('field.mustBeInFuture'));
  if (start.getTime() - now.getTime() > BOOKING_HORIZON_DAYS * 86_400_000) {
    throw BadUserInputError.field('input.start', msg('booking.horizon', { days: BOOKING_HORIZON_DAYS }));
  }
  const occurrence = occurrenceStartingAt(room.weeklySlots, zone, start);
  if (!occurrence) {
    throw BadUserInputError.field('input.start', msg('booking.notAnOccurrence', { zone }));
  }
  if (input.contractId && !input.partnerId) throw BadUserInputError.field('input.contractId', msg('booking.contractNeedsPartner'));
  const purpose = input.purpose.trim();
  if (!purpose) throw BadUserInputError.field('input.purpose', msg('field.mustNotBeEmpty'));
  try {
    return await inTransaction(ctx.db, async (tx) => {
      await queueForOccurrence(tx, room.id, occurrence.start);
      const slots = await lockRoomSlots(tx, room.communityId, room.id);
      if (!slots.some((s) => sameSlot(s, occurrence.slot))) {
        throw new InvalidStateError(msg('booking.slotRemoved'));
      }
      if (input.partnerId) await assertActivePartnership(tx, input.partnerId, room.communityId);
      // A re-booked contract occurrence is for what its slot is for; any other booking is the booker's own use.
      const kind = input.contractId
        ? purposeOfSlot(await assertContractOccurrence(tx, input.contractId, input.partnerId!, room, occurrence, zone), occurrence.slot)
        : BookingPurpose.OWN_USE;
      const booking = await tx.save(
        tx.create(Booking, {
          communityId: room.communityId,
          roomId: room.id,
          partnerId: input.partnerId ?? null,
          contractId: input.contractId ?? null,
          startAt: occurrence.start,
          endAt: occurrence.end,
          purpose,
          kind,
          status: BookingStatus.CONFIRMED,
          createdBy: by,
          cancelledAt: null,
          cancelReason: null,
        }),
      );
      await bookingLifecycle.created(tx, booking, { by, communityId: room.communityId });
      return booking;
    });
  } catch (error) {
    if (pgErrorCode(error) === PgErrorCode.exclusionViolation) {
      throw new ConflictError(msg('booking.alreadyBooked'), { conflicts: [isoRange(occurrence, zone)] });
    }
    throw error;
  }
}

/** A re-booked occurrence of a contract: the partner's ACTIVE contract on this room, one of its slots, within its term. */
async function assertContractOccurrence(tx: EntityManager, contractId: string, partnerId: string, room: Room, occurrence: Occurrence, zone: string): Promise<SpaceContract> {
  const contract = await tx
    .getRepository(SpaceContract)
    .createQueryBuilder('c')
    .setLock('pessimistic_read')
    .where('c.id = :contractId', { contractId })
    .getOne();
  if (!contract) throw new NotFoundError('contract', contractId, 'input.contractId');
  if (contract.partnerId !== partnerId || contract.roomId !== room.id) {
    throw BadUserInputError.field('input.contractId', msg('booking.notPartnersContract'));
  }
  if (effectiveStatus(contract) !== ContractStatus.ACTIVE) {
    throw new InvalidStateError(msg('booking.contractNotActive', { status: { msg: 'status', values: { status: effectiveStatus(contract) } } }));
  }
  const day = DateTime.fromJSDate(occurrence.start, { zone }).toISODate()!;
  const inTerm = day >= contract.startsOn && day <= contract.endsOn && (!contract.terminatedOn || day < contract.terminatedOn);
  if (!inTerm || !contract.weeklySlots.some((s) => sameSlot(s, occurrence.slot))) {
    throw BadUserInputError.field('input.start', msg('booking.notContractOccurrence'));
  }
  return contract;
}

export async function cancelBooking(ctx: Ctx, booking: Booking, reason: string, by: string): Promise<Booking> {
  checkText('reason', reason, { required: true });
  if (booking.status === BookingStatus.CONFIRMED && booking.startAt <= clockNow()) {
    throw new InvalidStateError(msg('booking.alreadyStarted'));
  }
  return inTransaction(ctx.db, async (tx) => {
    // Told by the spaces hook on CANCELLED (spaces.hooks.ts): a cancellation without a cause is one on its own.
    return bookingLifecycle.apply(
      tx,
      Object.assign(new Booking(), booking),
      BookingStatus.CANCELLED,
      { by, note: reason, communityId: booking.communityId },
      { cancelledAt: clockNow(), cancelReason: reason },
    );
  });
}

/** The cause of bookings cancelled because their contract ends: its event stands for them, they are not told one by one. */
export const CONTRACT_ENDED = 'CONTRACT_ENDED';

/**
 * Cancels, in one statement (bookingLifecycle.applyWhere), the CONFIRMED bookings matching `where`
 * that start at or after `from`, with one history row each (cause CONTRACT_ENDED). Returns the cancelled bookings.
 */
export async function cancelBookingsFrom(
  tx: EntityManager,
  where: { contractId: string } | { partnerId: string; communityId: string },
  from: Date,
  by: string | null,
  reason: string | Msg,
): Promise<Booking[]> {
  const note = historyNote(reason);
  const condition =
    'contractId' in where
      ? { sql: 'contract_id = :contractId AND start_at >= :from', params: { contractId: where.contractId, from } }
      : { sql: 'partner_id = :partnerId AND community_id = :communityId AND start_at >= :from', params: { ...where, from } };
  const cancelled = await bookingLifecycle.applyWhere(
    tx,
    condition,
    BookingStatus.CANCELLED,
    { by, note: note.note, noteMessage: note.message, cause: CONTRACT_ENDED },
    { changes: { cancelledAt: () => 'now()', cancelReason: note.text } },
  );
  return cancelled.map((t) => t.row);
}

/** Books every occurrence for a contract in ONE statement, each for its purpose, history included (bookingLifecycle.createdMany). */
export async function insertContractBookings(
  tx: EntityManager,
  contract: SpaceContract,
  occurrences: (Range & { kind: BookingPurpose })[],
  by: string | null,
  why: string | Msg,
) {
  if (!occurrences.length) return 0;
  const note = historyNote(why);
  const ids = await bookingLifecycle.createdMany(
    tx,
    {
      sql: `INSERT INTO booking (community_id, room_id, partner_id, contract_id, start_at, end_at, purpose, kind, status, created_by)
            SELECT $1, $2, $3, $4, o.s, o.e, $5, o.k, $6, $7::uuid
              FROM unnest($8::timestamptz[], $9::timestamptz[], $10::text[]) AS o(s, e, k)
            RETURNING id, community_id, status`,
      params: [
        contract.communityId,
        contract.roomId,
        contract.partnerId,
        contract.id,
        contract.title.slice(0, 200),
        BookingStatus.CONFIRMED,
        by,
        occurrences.map((o) => o.start),
        occurrences.map((o) => o.end),
        occurrences.map((o) => o.kind),
      ],
    },
    { by, note: note.note, noteMessage: note.message },
  );
  return ids.length;
}

/**
 * Links the partner's own single bookings of exactly these occurrences to its contract, in one
 * statement: each becomes the contract's booking of that date, for the purpose of its slot and under
 * the contract's title (what every booking of the contract reads). Returns those it linked (one
 * cancelled meanwhile is not). The approval's history note lists their dates.
 */
export async function adoptOwnBookings(tx: EntityManager, contract: SpaceContract, occurrences: (Range & { kind: BookingPurpose })[]): Promise<Range[]> {
  // TypeORM answers an UPDATE as [rows, count].
  const [rows]: [{ start_at: Date; end_at: Date }[], number] = await tx.query(
    `UPDATE booking b SET contract_id = $4, kind = o.k, purpose = $5
       FROM unnest($6::timestamptz[], $7::timestamptz[], $8::text[]) AS o(s, e, k)
      WHERE b.community_id = $1 AND b.room_id = $2 AND b.partner_id = $3 AND b.contract_id IS NULL AND b.status = 'CONFIRMED'
        AND b.start_at = o.s AND b.end_at = o.e
      RETURNING b.start_at, b.end_at`,
    [
      contract.communityId,
      contract.roomId,
      contract.partnerId,
      contract.id,
      contract.title.slice(0, 200),
      occurrences.map((o) => o.start),
      occurrences.map((o) => o.end),
      occurrences.map((o) => o.kind),
    ],
  );
  return rows.map((r) => ({ start: new Date(r.start_at), end: new Date(r.end_at) })).sort((a, b) => a.start.getTime() - b.start.getTime());
}

export function upcomingPublicBenefitSessions(ctx: Ctx, communityId: string): Promise<Booking[]> {
  // Slots never exceed a day, so the start bound keeps the partial index range tight.
  return heavyRead(ctx, (c) =>
    c.db
      .getRepository(Booking)
      .createQueryBuilder('b')
      .where(`b.community_id = :communityId AND b.status = 'CONFIRMED' AND b.kind = :kind`, { communityId, kind: BookingPurpose.PUBLIC_BENEFIT })
      .andWhere(`b.start_at > :asOf::timestamptz - interval '1 day' AND b.end_at > :asOf`, { asOf: clockNow() })
      .orderBy('b.start_at', 'ASC')
      .addOrderBy('b.id', 'ASC')
      .limit(UPCOMING_SESSIONS_LIMIT)
      .getMany(),
  );
}

/**
 * PublicBoard.publicBenefitSessions: the CONFIRMED public-benefit sessions of the community's
 * contracts starting on the local date `from` (the community's zone; default today) or later,
 * chronologically; never a partner's own use. One statement per page (booking_public_session_idx).
 */
export function publicBenefitSessions(ctx: Ctx, community: Community, from: string | null | undefined, page: PageArgs) {
  const { id: communityId, timezone: zone } = community;
  const start = DateTime.fromISO(from ?? DateTime.fromJSDate(clockNow(), { zone }).toISODate()!, { zone }).startOf('day').toJSDate();
  return heavyRead(ctx, (c) => {
    const qb = c.db
      .getRepository(Booking)
      .createQueryBuilder('b')
      .where(`b.community_id = :communityId AND b.status = 'CONFIRMED' AND b.kind = :kind AND b.start_at >= :start`, {
        communityId,
        kind: BookingPurpose.PUBLIC_BENEFIT,
        start,
      });
    return paginate(qb, startOrder('b'), page);
  });
}

/**
 * CONFIRMED future bookings of a room that no longer fall on one of `slots` (updateRoom refuses
 * such a change rather than orphan them). Runs inside updateRoom's transaction, room row locked.
 */
export async function bookingsOutsideSlots(
  tx: EntityManager,
  roomId: string,
  slots: WeeklySlot[],
  zone: string,
): Promise<(Range & { id: string })[]> {
  const rows: { id: string; start_at: Date; end_at: Date }[] = await tx.query(
    `SELECT id, start_at, end_at FROM booking WHERE room_id = $1 AND status = 'CONFIRMED' AND end_at > $2 ORDER BY start_at`,
    [roomId, clockNow()],
  );
  return rows
    .map((r) => ({ id: r.id, start: new Date(r.start_at), end: new Date(r.end_at) }))
    .filter((b) => {
      const s = DateTime.fromJSDate(b.start, { zone });
      const e = DateTime.fromJSDate(b.end, { zone });
      const weekday = WEEKDAYS[s.weekday - 1];
      return !slots.some((slot) => slot.weekday === weekday && slot.startTime === s.toFormat('HH:mm') && slot.endTime === e.toFormat('HH:mm'));
    });
}

/**
 * A history note: a catalogue message goes to note_id / note_values (rendered for each reader);
 * `text` is its default-language wording, for columns that keep plain text (cancel_reason).
 */
function historyNote(why: string | Msg): { text: string; note: string | null; message: Msg | null } {
  if (typeof why === 'string') return { text: why, note: why, message: null };
  return { text: render(DEFAULT_LOCALE, why), note: null, message: why };
}
