import type { EntityManager } from 'typeorm';
import { emit, type Recipients } from '../common/domain-events';
import { msg, type Msg } from '../i18n/messages';
import type { Booking } from './booking.entity';
import { ContractStatus } from './space-contract.entity';

const PENDING_REVIEW: string = ContractStatus.PENDING_REVIEW;

/** What a contract's messages mention. */
export interface ContractNames {
  title: string;
  room: string;
  community: string;
  partner: string;
}

/** One change of a contract, as it is told (see docs/live.md). */
export interface ContractChange {
  contract: { id: string; communityId: string; partnerId: string; status: string };
  /** The status it left (null: just created). */
  from: string | null;
  by: string | null;
  /** Inbox rows for these people (never `by`), with this text; leave out for live events only. */
  notify?: Recipients;
  message?: (names: ContractNames) => string | Msg;
}

/**
 * Tells contract changes as domain events inside their transaction: each as `CONTRACT_<NEW STATUS>` on its partner's
 * activity (and in its community's contracts to review when it entered or left PENDING_REVIEW); all inbox rows in ONE statement, names read in one more only when a message needs them.
 * The bookings a change cancels are not told one by one: the contract's event stands for them.
 */
export async function announceContracts(tx: EntityManager, changes: ContractChange[]): Promise<void> {
  if (!changes.length) return;
  const named = changes.filter((c) => c.notify && c.message);
  const names = new Map<string, ContractNames>();
  if (named.length) {
    const rows: (ContractNames & { id: string })[] = await tx.query(
      `SELECT sc.id, sc.title, r.name AS room, c.name AS community, p.name AS partner
         FROM space_contract sc
         JOIN room r ON r.community_id = sc.community_id AND r.id = sc.room_id
         JOIN community c ON c.id = sc.community_id
         JOIN partner p ON p.id = sc.partner_id
        WHERE sc.community_id = ANY($2::uuid[]) AND sc.id = ANY($1::uuid[])`,
      [[...new Set(named.map((c) => c.contract.id))], [...new Set(named.map((c) => c.contract.communityId))]],
    );
    for (const row of rows) names.set(row.id, row);
  }
  await emit(
    tx,
    changes.map(({ contract, from, by, notify, message }) => {
      const n = names.get(contract.id);
      const review = from === PENDING_REVIEW || (from !== contract.status && contract.status === PENDING_REVIEW);
      return {
        kind: `CONTRACT_${contract.status}`,
        communityId: contract.communityId,
        by,
        refs: { contractId: contract.id },
        activityOf: contract.partnerId,
        queues: review ? ['contractReview' as const] : [],
        ...(notify && message && n ? { notify, message: message(n) } : {}),
      };
    }),
  );
}


/**
 * A booking cancelled on its own (not by its contract's end): a partner's booking is told to the
 * partner's members and on its activity, a community booking to the community's secretaries; in
 * both cases never to whoever cancelled it.
 */
export async function announceBookingCancelled(tx: EntityManager, booking: Booking, by: string | null, reason: string): Promise<void> {
  const [names]: { room: string; timezone: string }[] = await tx.query(
    `SELECT r.name AS room, c.timezone FROM room r JOIN community c ON c.id = r.community_id WHERE r.community_id = $2 AND r.id = $1`,
    [booking.roomId, booking.communityId],
  );
  const when = { at: booking.startAt.toISOString(), timeZone: names.timezone };
  const notify: Recipients = booking.partnerId ? { membersOf: booking.partnerId } : { secretariesOf: booking.communityId };
  await emit(tx, [{
    kind: 'BOOKING_CANCELLED',
    message: msg('booking.cancelled.notice', { room: names.room, when, purpose: booking.purpose, reason: reason.trim() }),
    communityId: booking.communityId,
    by,
    refs: { bookingId: booking.id, ...(booking.contractId ? { contractId: booking.contractId } : {}) },
    notify,
    activityOf: booking.partnerId,
  }]);
}


export { noteValues } from '../i18n/note-values';
