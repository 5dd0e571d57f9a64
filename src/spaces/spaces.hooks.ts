import { beforeRoomSlotsChange, setRoomTakenRanges } from '../communities/communities.service';
import { InvalidStateError } from '../errors';
import { msg } from '../i18n/messages';
import { PartnershipStatus } from '../partners/partner.entity';
import { partnershipLifecycle } from '../partners/partnership.lifecycle';
import { bookingsOutsideSlots, takenByBookings } from './bookings.service';
import { endContractsOfPartnership } from './contracts.service';

/*
 * What spaces adds to the domains below it, registered once (imported by src/app.ts); the order
 * the hooks run in is HOOK_ORDER (src/common/state-machine.ts, docs/architecture.md).
 */

// A partnership that ends takes its contracts in the community with it, and their future bookings.
partnershipLifecycle.on(
  { enter: PartnershipStatus.ENDED },
  async (tx, batch) => {
    for (const { row, meta } of batch) await endContractsOfPartnership(tx, row.partnerId, row.communityId, meta.by, meta.note ?? '');
  },
  { domain: 'spaces', name: 'end the contracts and their bookings' },
);

// A room's slots may not change under confirmed future bookings: they must be cancelled first.
beforeRoomSlotsChange(async (tx, room, slots, zone) => {
  const orphaned = await bookingsOutsideSlots(tx, room.id, slots, zone);
  if (orphaned.length) {
    throw new InvalidStateError(msg('community.bookingsOnRemovedSlots', { count: orphaned.length }), {
      bookings: orphaned.slice(0, 50).map((b) => ({ id: b.id, start: b.start.toISOString(), end: b.end.toISOString() })),
      count: orphaned.length,
    });
  }
});

// Room.availability counts CONFIRMED bookings as taken.
setRoomTakenRanges(takenByBookings);
