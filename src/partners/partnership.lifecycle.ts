import { StateMachine } from '../common/state-machine';
import { Partnership, PartnershipStatus } from './partner.entity';

const { PENDING, ACTIVE, REJECTED, ENDED } = PartnershipStatus;

export const partnershipLifecycle = new StateMachine<PartnershipStatus, Partnership>('PARTNERSHIP', Partnership, {
  [PENDING]: [ACTIVE, REJECTED],
  [ACTIVE]: [ENDED],
  [REJECTED]: [],
  [ENDED]: [],
});

/**
 * The cause (`meta.cause`) of the transitions an ended partnership makes in the domains above
 * (contracts, bookings, matches): their hooks tell them live only, the PARTNERSHIP_ENDED notification tells people.
 */
export const PARTNERSHIP_ENDED = 'PARTNERSHIP_ENDED';
