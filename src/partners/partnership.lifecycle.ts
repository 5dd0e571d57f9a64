import { StateMachine } from '../common/state-machine';
import { Partnership, PartnershipStatus } from './partner.entity';

const { PENDING, ACTIVE, REJECTED, ENDED } = PartnershipStatus;

export const partnershipLifecycle = new StateMachine<PartnershipStatus, Partnership>('PARTNERSHIP', Partnership, {
  [PENDING]: [ACTIVE, REJECTED],
  [ACTIVE]: [ENDED],
  [REJECTED]: [],
  [ENDED]: [],
});
