import { readerId, viewerRoles } from '../auth/policy';
import { INVOLVED, readable, rolesOn, rolesOnNow, type Readable, type TypeVisibility } from '../auth/visibility';
import type { Ctx } from '../context';
import type { Booking } from './booking.entity';
import { PUBLIC_CONTRACT_STATUSES, type SpaceContract } from './space-contract.entity';

/*
 * Who may read what of bookings and space contracts (docs/visibility.md). The public sees when a
 * room is taken and which contract sessions are held; a private booking reads "已预订/Booked",
 * and who booked or cancelled and why is for the partner and the secretaries only.
 */

/** What everyone but the partner and the secretaries sees of a booking that is not a public contract session. */
export const PRIVATE_PURPOSE = '已预订/Booked';

export const BOOKING_VISIBILITY: TypeVisibility<'purpose' | 'partner' | 'history { note by }'> = {
  type: 'Booking',
  scope: "the booking's partner; its community",
  fields: {
    purpose: { roles: INVOLVED, publicWhen: 'a contract session', hidden: PRIVATE_PURPOSE },
    partner: { roles: INVOLVED, publicWhen: 'a contract session', hidden: 'null', note: "null also for the community's own bookings" },
    'history { note by }': { roles: INVOLVED, hidden: 'null', note: 'who booked, who cancelled and why' },
  },
};

export const SPACE_CONTRACT_VISIBILITY: TypeVisibility<'history { note by }'> = {
  type: 'SpaceContract',
  scope: "the contract's partner; its community",
  rows: {
    roles: INVOLVED,
    publicWhen: 'ACTIVE, EXPIRED or TERMINATED',
    hidden: 'left out of `contracts`; `contract(id)` and `Booking.contract` answer null; `obligations` of one reached otherwise answer []',
  },
  fields: {
    'history { note by }': { roles: INVOLVED, hidden: 'null', note: 'review notes, rejection and termination reasons, who decided' },
  },
};

export const SPACES_VISIBILITY = [BOOKING_VISIBILITY, SPACE_CONTRACT_VISIBILITY];

export async function bookingVisibility(ctx: Ctx, booking: Booking): Promise<Readable<keyof typeof BOOKING_VISIBILITY.fields>> {
  return bookingReadable(booking, await rolesOn(ctx, { communityId: booking.communityId, partnerId: booking.partnerId }));
}

/**
 * bookingVisibility without waiting, once the request knows the viewer's roles (a bookings page
 * brings them); null while it does not. A week of a room's bookings is then answered with no
 * promise per booking and field.
 */
export function bookingVisibilityNow(ctx: Ctx, booking: Booking): Readable<keyof typeof BOOKING_VISIBILITY.fields> | null {
  // A page asks twice per booking (purpose, partner) and its bookings share a few partners: the
  // answer depends only on these three facts, so it is worked out once per request for each.
  let known = readableNow.get(ctx);
  const key = `${booking.communityId}|${booking.partnerId}|${booking.contractId ? 1 : 0}`;
  const found = known?.get(key);
  if (found) return found;
  const roles = rolesOnNow(ctx, { communityId: booking.communityId, partnerId: booking.partnerId });
  if (!roles) return null;
  const answer = bookingReadable(booking, roles);
  if (!known) readableNow.set(ctx, (known = new Map()));
  known.set(key, answer);
  return answer;
}

/** bookingVisibilityNow's answers per request (the viewer's roles do not change within one). */
const readableNow = new WeakMap<Ctx, Map<string, Readable<keyof typeof BOOKING_VISIBILITY.fields>>>();

function bookingReadable(booking: Booking, roles: Parameters<typeof readable>[1]): Readable<keyof typeof BOOKING_VISIBILITY.fields> {
  const session = !!booking.contractId;
  return readable(BOOKING_VISIBILITY, roles, { purpose: session, partner: session });
}

export async function contractVisibility(ctx: Ctx, contract: SpaceContract): Promise<Readable<keyof typeof SPACE_CONTRACT_VISIBILITY.fields>> {
  const roles = await rolesOn(ctx, { communityId: contract.communityId, partnerId: contract.partnerId });
  return readable(SPACE_CONTRACT_VISIBILITY, roles, { rows: PUBLIC_CONTRACT_STATUSES.includes(contract.status) });
}

/** The row rule above in SQL, for a list of contracts (alias `c`); null: no condition (admins). */
export async function visibleContractsWhere(ctx: Ctx): Promise<{ sql: string; params: Record<string, unknown> } | null> {
  const roles = readerId(ctx) ? await viewerRoles(ctx) : null;
  if (roles?.isAdmin) return null;
  return {
    sql: '(c.status IN (:...publicStatuses) OR c.partner_id = ANY(:partners) OR c.community_id = ANY(:communities))',
    params: {
      publicStatuses: PUBLIC_CONTRACT_STATUSES,
      partners: [...(roles?.partnerRoles.keys() ?? [])],
      communities: [...(roles?.secretaryOf ?? [])],
    },
  };
}
