import { fieldsRead, one, type Relations } from '../common/prefetch';
import { Room } from '../communities/room.entity';
import { Partner } from '../partners/partner.entity';
import { Booking } from './booking.entity';

/*
 * What lists of bookings fetch in their own statement when the query selects it (see
 * common/prefetch.ts): Booking.room and Booking.partner, whose resolvers in spaces.resolver.ts
 * answer from it with `prefetched()` (the partner still only where bookingVisibility allows).
 */
export const BOOKING_RELATIONS: Relations = {
  room: one(Room, 'roomId'),
  partner: one(Partner, 'partnerId'),
};

// What Booking's renamed columns and visibility-checked fields read (bookingVisibility: the
// community, the partner and whether it is a contract session), so that a page selecting them
// carries those columns only.
fieldsRead(Booking, { start: ['startAt'], end: ['endAt'], purpose: ['purpose', 'contractId'], partner: ['contractId'] });
