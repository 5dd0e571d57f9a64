import { findOr404 } from '../common/find';
import { heavyRead } from '../common/heavy-read';
import { nowMs } from '../common/clock';
import type { Ctx } from '../context';
import type { DataSource, EntityManager } from 'typeorm';
import { requestScope } from '../db/query-counter';
import { BadUserInputError, ConflictError, fieldError, NotFoundError, PgErrorCode, pgErrorCode } from '../errors';
import { msg } from '../i18n/messages';
import { byId } from '../common/loaders';
import { createdOrder, paginate, type PageArgs } from '../common/pagination';
import { occurrencesBetween, validateWeeklySlots } from '../common/slots';
import { isTimeZone } from '../common/validation';
import { inTransaction } from '../db/transaction';
import { User } from '../users/user.entity';
import { Community, CommunitySecretary } from './community.entity';
import { DEFAULT_TIMEZONE, isKnownCommunity, rememberZone } from './zones.service';
import type { CreateCommunityInput, CreateRoomInput, UpdateRoomInput } from './communities.inputs';
import { Room, type WeeklySlot } from './room.entity';

import { MAX_AVAILABILITY_DAYS, WORST_BOUNDS, type DataBounds } from '../common/row-bounds';

export { MAX_AVAILABILITY_DAYS };

export async function findCommunity(ctx: Ctx, id: string, path = 'id'): Promise<Community> {
  const community = await findOr404(ctx, Community, id, { thing: 'community', path });
  rememberZone(community);
  return community;
}

export const findRoom = (ctx: Ctx, id: string, path = 'id') => findOr404(ctx, Room, id, { thing: 'room', path });

/**
 * A community argument, checked: its id at once when this process has met the community (they are
 * never deleted), else read (NOT_FOUND naming `path`). For policies that need only the id.
 */
export async function existingCommunityId(ctx: Ctx, id: string, path = 'id'): Promise<string> {
  return isKnownCommunity(id) ? id : (await findCommunity(ctx, id, path)).id;
}

export function listCommunities(ctx: Ctx, page: PageArgs) {
  return heavyRead(ctx, (c) => paginate(c.db.getRepository(Community).createQueryBuilder('c'), createdOrder('c'), page));
}

export async function createCommunity(ctx: Ctx, input: CreateCommunityInput): Promise<Community> {
  const timezone = input.timezone ?? DEFAULT_TIMEZONE;
  if (!isTimeZone(timezone)) throw BadUserInputError.field('input.timezone', msg('field.timeZone'));
  const community = await inTransaction(ctx.db, (tx) =>
    tx.save(tx.create(Community, { name: input.name.trim(), district: input.district ?? null, timezone })),
  );
  rememberZone(community);
  return community;
}

export async function appointSecretary(ctx: Ctx, communityId: string, userId: string, by: string): Promise<Community> {
  const community = await findCommunity(ctx, communityId, 'communityId');
  const user = await byId(ctx, User).load(userId);
  if (!user) throw new NotFoundError('user', userId, 'userId');
  await inTransaction(ctx.db, (tx) =>
    tx.createQueryBuilder().insert().into(CommunitySecretary).values({ communityId, userId, appointedBy: by }).orIgnore().execute(),
  );
  return community;
}

function checkSlots(slots: WeeklySlot[], path: string): WeeklySlot[] {
  validateWeeklySlots(slots, path);
  return slots.map(({ weekday, startTime, endTime }) => ({ weekday, startTime, endTime }));
}

async function saveRoom(ctx: Ctx, room: Room, check?: (tx: EntityManager) => Promise<void>): Promise<Room> {
  try {
    return await inTransaction(ctx.db, async (tx) => {
      await check?.(tx);
      return tx.save(room);
    });
  } catch (error) {
    if (pgErrorCode(error) === PgErrorCode.uniqueViolation) {
      throw new ConflictError(msg('community.roomNameTaken', { name: room.name }), { fields: [fieldError('input.name', msg('field.taken'))] });
    }
    throw error;
  }
}

export async function createRoom(ctx: Ctx, input: CreateRoomInput): Promise<Room> {
  const weeklySlots = checkSlots(input.weeklySlots, 'input.weeklySlots');
  const room = await saveRoom(
    ctx,
    ctx.db.getRepository(Room).create({
      communityId: input.communityId,
      name: input.name.trim(),
      capacity: input.capacity,
      features: input.features ?? [],
      weeklySlots,
    }),
  );
  forgetRoomBounds(ctx.db);
  return room;
}

export async function updateRoom(ctx: Ctx, room: Room, input: UpdateRoomInput): Promise<Room> {
  const changed = ctx.db.getRepository(Room).merge(Object.assign(new Room(), room), {
    ...(input.name != null && { name: input.name.trim() }),
    ...(input.capacity != null && { capacity: input.capacity }),
    ...(input.features != null && { features: input.features }),
    ...(input.weeklySlots != null && { weeklySlots: checkSlots(input.weeklySlots, 'input.weeklySlots') }),
  });
  if (input.weeklySlots == null) return saveRoom(ctx, changed);
  const zone = (await findCommunity(ctx, room.communityId)).timezone;
  // The domains holding something on the room's slots refuse a change that would orphan it (spaces:
  // confirmed future bookings). The room row lock holds off bookSlot, which share-locks it, until this commits.
  const saved = await saveRoom(ctx, changed, async (tx) => {
    await tx.query(`SELECT 1 FROM room WHERE id = $1 FOR UPDATE`, [room.id]);
    for (const check of roomSlotsChecks) await check(tx, room, changed.weeklySlots, zone);
  });
  // After the commit: a read before it would remember the old bound.
  forgetRoomBounds(ctx.db);
  return saved;
}

/**
 * A check run inside updateRoom's transaction (room row locked) before a room's weekly slots
 * change; it throws to refuse the change. Registered by the domain that holds something on the
 * slots (src/spaces/spaces.hooks.ts), so communities need not know it.
 */
export type RoomSlotsCheck = (tx: EntityManager, room: Room, slots: WeeklySlot[], zone: string) => Promise<void>;
const roomSlotsChecks: RoomSlotsCheck[] = [];

export function beforeRoomSlotsChange(check: RoomSlotsCheck): () => void {
  roomSlotsChecks.push(check);
  return () => void roomSlotsChecks.splice(roomSlotsChecks.indexOf(check), 1);
}

let takenRanges: TakenRanges = async () => [];

/** Sets what Room.availability counts as taken (spaces.hooks.ts: CONFIRMED bookings); nothing until then. */
export function setRoomTakenRanges(taken: TakenRanges): void {
  takenRanges = taken;
}

export interface SlotAvailability {
  start: Date;
  end: Date;
  available: boolean;
  communityId: string;
}

/** Time ranges of a room already taken in [from, to); replaced by bookings once they exist. */
export type TakenRanges = (ctx: Ctx, room: Room, from: Date, to: Date) => Promise<{ start: Date; end: Date }[]>;

export function checkRange(from: Date, to: Date, maxDays: number): void {
  if (from >= to) throw BadUserInputError.field('to', msg('field.mustBeAfter', { other: 'from' }));
  if (to.getTime() - from.getTime() > maxDays * 86_400_000) throw BadUserInputError.field('to', msg('field.rangeAtMostDays', { days: maxDays }));
}

export async function roomAvailability(ctx: Ctx, room: Room, from: Date, to: Date, taken: TakenRanges = takenRanges): Promise<SlotAvailability[]> {
  checkRange(from, to, MAX_AVAILABILITY_DAYS);
  const community = await findCommunity(ctx, room.communityId);
  const busy = await heavyRead(ctx, (c) => taken(c, room, from, to));
  return occurrencesBetween(room.weeklySlots, community.timezone, from, to).map(({ start, end }) => ({
    start,
    end,
    available: !busy.some((b) => b.start < end && start < b.end),
    communityId: room.communityId,
  }));
}

/**
 * How long the query cost estimate (src/ops/operation-guard.ts) trusts the room bounds it read.
 * That is the staleness bound across processes: a room given more slots by another process is
 * costed with the old bound for at most this long; by this process, never (forgetRoomBounds).
 */
export const ROOM_BOUNDS_MAX_AGE_MS = 10_000;

/** Per database (one per process, or per app in tests): the bounds read, or being read. */
const roomBoundsRead = new WeakMap<DataSource, { bounds: Promise<DataBounds>; readAt: number }>();

/**
 * The most weekly slots any room has: what Room.availability and weeklySlots may really answer,
 * for the cost estimate. Read at most once per ROOM_BOUNDS_MAX_AGE_MS, outside the request's
 * statement count (x-sql-statements): it is the guard's, not the request's own work.
 */
export function roomBounds(db: DataSource): Promise<DataBounds> {
  const read = roomBoundsRead.get(db);
  if (read && Math.abs(nowMs() - read.readAt) < ROOM_BOUNDS_MAX_AGE_MS) return read.bounds;
  const entry = {
    readAt: nowMs(),
    bounds: requestScope
      .exit(() => db.query(`SELECT coalesce(max(jsonb_array_length(weekly_slots)), 0)::int AS slots FROM room`))
      .then(([row]): DataBounds => ({ roomSlots: row.slots }))
      .catch((): DataBounds => {
        // Not remembered: the next operation reads again; this one is costed for the worst.
        if (roomBoundsRead.get(db) === entry) roomBoundsRead.delete(db);
        return WORST_BOUNDS;
      }),
  };
  roomBoundsRead.set(db, entry);
  return entry.bounds;
}

/** A room of this process gained slots (or may have), committed: the next estimate reads the bounds again. */
function forgetRoomBounds(db: DataSource): void {
  roomBoundsRead.delete(db);
}
