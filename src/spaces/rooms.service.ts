import type { Ctx } from '../context';
import { heavyRead } from '../common/heavy-read';
import { escapeLike } from '../common/like';
import { createdOrder, paginate, type PageArgs } from '../common/pagination';
import { MAX_AVAILABILITY_DAYS } from '../common/row-bounds';
import { WEEKDAYS } from '../common/slots';
import { Room } from '../communities/room.entity';
import { BadUserInputError } from '../errors';
import { msg } from '../i18n/messages';
import { PartnershipStatus } from '../partners/partner.entity';
import { BookingStatus } from './booking.entity';
import type { RoomFilter } from './spaces.inputs';

/*
 * Finding rooms (Query.rooms): every condition is SQL of the page's one statement, the count with
 * it, so a page costs one statement however many rooms, slots and bookings it looks through.
 * Rooms are public, like Room and Community.rooms; so are ACTIVE partnerships (partners.visibility.ts).
 */

/** The weekday names of Luxon and PostgreSQL's ISO numbering (1 = Monday), as room slots write them. */
const ISO_WEEKDAY = `(ARRAY[${WEEKDAYS.map((d) => `'${d}'`).join(', ')}])[extract(isodow FROM d.day)::int]`;

/**
 * At least one occurrence of the room's weekly slots starting in [:freeFrom, :freeTo) that no
 * CONFIRMED booking overlaps: what Room.availability answers `available`, computed day by day in
 * the community's zone like src/common/slots.ts (a local time a DST change skips has no occurrence).
 */
const HAS_FREE_OCCURRENCE = `EXISTS (
  SELECT 1
    FROM community fc
   CROSS JOIN LATERAL generate_series(date_trunc('day', CAST(:freeFrom AS timestamptz) AT TIME ZONE fc.timezone), CAST(:freeTo AS timestamptz) AT TIME ZONE fc.timezone, interval '1 day') AS d(day)
   CROSS JOIN LATERAL jsonb_array_elements(r.weekly_slots) AS s(slot)
   CROSS JOIN LATERAL (SELECT d.day + CAST(s.slot->>'startTime' AS time) AS ls, d.day + CAST(s.slot->>'endTime' AS time) AS le) AS l
   CROSS JOIN LATERAL (SELECT l.ls AT TIME ZONE fc.timezone AS st, l.le AT TIME ZONE fc.timezone AS en) AS o
   WHERE fc.id = r.community_id
     AND s.slot->>'weekday' = ${ISO_WEEKDAY}
     AND o.st >= CAST(:freeFrom AS timestamptz) AND o.st < CAST(:freeTo AS timestamptz)
     AND o.st AT TIME ZONE fc.timezone = l.ls AND o.en AT TIME ZONE fc.timezone = l.le
     AND NOT EXISTS (
       SELECT 1 FROM booking b
        WHERE b.community_id = r.community_id AND b.room_id = r.id AND b.status = '${BookingStatus.CONFIRMED}'
          AND tstzrange(b.start_at, b.end_at) && tstzrange(o.st, o.en)))`;

/** Both ends of the free window or neither, `freeTo` after `freeFrom`, at most MAX_AVAILABILITY_DAYS apart. */
function checkFreeWindow({ freeFrom, freeTo }: RoomFilter): void {
  if (!freeFrom && !freeTo) return;
  if (!freeFrom) throw BadUserInputError.field('filter.freeFrom', msg('room.freeWindowBothEnds', { other: 'freeTo' }));
  if (!freeTo) throw BadUserInputError.field('filter.freeTo', msg('room.freeWindowBothEnds', { other: 'freeFrom' }));
  if (freeFrom >= freeTo) throw BadUserInputError.field('filter.freeTo', msg('field.mustBeAfter', { other: 'freeFrom' }));
  if (freeTo.getTime() - freeFrom.getTime() > MAX_AVAILABILITY_DAYS * 86_400_000) {
    throw BadUserInputError.field('filter.freeTo', msg('field.rangeAtMostDays', { days: MAX_AVAILABILITY_DAYS }));
  }
}

/** Query.rooms: oldest first; `withCount` when the client selects totalCount (counted in the same statement). */
export function searchRooms(ctx: Ctx, filter: RoomFilter | null | undefined, page: PageArgs, withCount: boolean) {
  return heavyRead(ctx, (c) => roomsPage(c, filter, page, withCount));
}

function roomsPage(ctx: Ctx, filter: RoomFilter | null | undefined, page: PageArgs, withCount: boolean) {
  const qb = ctx.db.getRepository(Room).createQueryBuilder('r');
  if (filter) checkFreeWindow(filter);
  if (filter?.communityId) qb.andWhere('r.community_id = :communityId', { communityId: filter.communityId });
  if (filter?.partnerId) {
    qb.andWhere('r.community_id IN (SELECT p.community_id FROM partnership p WHERE p.partner_id = :partnerId AND p.status = :active)', {
      partnerId: filter.partnerId,
      active: PartnershipStatus.ACTIVE,
    });
  }
  if (filter?.minCapacity != null) qb.andWhere('r.capacity >= :minCapacity', { minCapacity: filter.minCapacity });
  if (filter?.features?.length) qb.andWhere('r.features @> CAST(:features AS text[])', { features: filter.features });
  const search = filter?.search?.trim();
  if (search) {
    qb.andWhere('(r.name ILIKE :search OR EXISTS (SELECT 1 FROM community sc WHERE sc.id = r.community_id AND sc.name ILIKE :search))', {
      search: `%${escapeLike(search)}%`,
    });
  }
  if (filter?.weekday) qb.andWhere('r.weekly_slots @> CAST(:weekday AS jsonb)', { weekday: JSON.stringify([{ weekday: filter.weekday }]) });
  if (filter?.freeFrom && filter.freeTo) qb.andWhere(HAS_FREE_OCCURRENCE, { freeFrom: filter.freeFrom, freeTo: filter.freeTo });
  return paginate(qb, createdOrder('r'), page, null, { countWithPage: withCount });
}
