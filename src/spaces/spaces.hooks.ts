import { isoInZone } from '../common/local-time';
import { beforeRoomSlotsChange, setRoomTakenRanges } from '../communities/communities.service';
import { InvalidStateError } from '../errors';
import { msg } from '../i18n/messages';
import { PartnershipStatus } from '../partners/partner.entity';
import { PARTNERSHIP_ENDED, partnershipLifecycle } from '../partners/partnership.lifecycle';
import type { Transition } from '../common/state-machine';
import { BookingStatus } from './booking.entity';
import { bookingLifecycle } from './booking.lifecycle';
import { bookingsOutsideSlots, takenByBookings } from './bookings.service';
import { contractLifecycle } from './contract.lifecycle';
import { endContractsOfPartnership } from './contracts.service';
import { ContractStatus, type SpaceContract } from './space-contract.entity';
import { announceBookingCancelled, announceContracts, noteValues, type ContractChange } from './spaces.announce';

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
      bookings: orphaned.slice(0, 50).map((b) => ({ id: b.id, start: isoInZone(b.start, zone), end: isoInZone(b.end, zone) })),
      count: orphaned.length,
    });
  }
});

// Room.availability counts CONFIRMED bookings as taken.
setRoomTakenRanges(takenByBookings);

/*
 * Every contract transition is told (docs/live.md): as `CONTRACT_<NEW STATUS>` on the partner's
 * activity, with inbox rows for those concerned, one batch per transition (the expiry sweep's and a
 * cascade's sets too). What an ended partnership moves is told live only: PARTNERSHIP_ENDED says it.
 */
type Told = (t: Transition<ContractStatus, SpaceContract>) => Pick<ContractChange, 'notify' | 'message'>;
const tell = (status: ContractStatus, told: Told) =>
  contractLifecycle.on(
    { enter: status },
    (tx, batch) =>
      announceContracts(
        tx,
        batch.map((t) => ({ contract: t.row, from: t.from, by: t.meta.by, ...(t.meta.cause === PARTNERSHIP_ENDED ? {} : told(t)) })),
      ),
    { domain: 'spaces', name: `tell ${status}` },
  );

tell(ContractStatus.PENDING_REVIEW, ({ row }) => ({
  notify: { secretariesOf: row.communityId },
  message: (n) => msg('contract.proposed.notice', { ...n, startsOn: { day: row.startsOn }, endsOn: { day: row.endsOn } }),
}));
tell(ContractStatus.ACTIVE, ({ row, meta }) => ({
  notify: { membersOf: row.partnerId },
  message: (n) => msg('contract.approved.notice', { ...n, ...noteValues(meta.note) }),
}));
tell(ContractStatus.REJECTED, ({ row, meta }) => ({
  notify: { membersOf: row.partnerId },
  message: (n) => msg('contract.rejected.notice', { ...n, ...noteValues(meta.note) }),
}));
// Either side may terminate: both are told, except whoever did it; one event for all its cancelled bookings.
tell(ContractStatus.TERMINATED, ({ row, meta }) => ({
  notify: { membersOf: row.partnerId, secretariesOf: row.communityId },
  message: (n) => msg('contract.terminated.notice', { ...n, on: { day: row.terminatedOn ?? '' }, reason: meta.note?.trim() ?? '' }),
}));
tell(ContractStatus.EXPIRED, ({ row }) => ({
  notify: { membersOf: row.partnerId },
  message: (n) => msg('contract.expired.notice', { title: n.title, room: n.room, endsOn: { day: row.endsOn } }),
}));

/*
 * A booking cancelled on its own (no `meta.cause`) is told; those a contract's end cancels
 * (cause CONTRACT_ENDED, bookings.service.ts) are not: the contract's event stands for them.
 */
bookingLifecycle.on(
  { enter: BookingStatus.CANCELLED },
  async (tx, batch) => {
    for (const { row, meta } of batch) if (!meta.cause) await announceBookingCancelled(tx, row, meta.by, meta.note ?? '');
  },
  { domain: 'spaces', name: 'tell a cancellation' },
);
