import { StateMachine } from '../common/state-machine';
import { RequestStatus, ResidentRequest } from './resident-request.entity';

const { SUBMITTED, ACCEPTED, IN_PROGRESS, AWAITING_INSPECTION, RESOLVED, DECLINED } = RequestStatus;

/**
 * A resident's request, one table (issue #14): the secretary triages a SUBMITTED request onto the
 * demand list (ACCEPTED: a new item, or merged into an open one) or DECLINES it with a reason.
 * Accepted requests follow their item (residents.hooks.ts): IN_PROGRESS once a match on it is
 * approved, DECLINED with the item's reason when it is cancelled. Inspection and rating
 * (AWAITING_INSPECTION, RESOLVED) get their transitions with the mutations that make them.
 */
export const requestLifecycle = new StateMachine<RequestStatus, ResidentRequest>('RESIDENT_REQUEST', ResidentRequest, {
  [SUBMITTED]: [ACCEPTED, DECLINED],
  // A match on its item approved: someone took it on. Its item cancelled: declined with the item's reason.
  [ACCEPTED]: [IN_PROGRESS, DECLINED],
  [IN_PROGRESS]: [DECLINED],
  [AWAITING_INSPECTION]: [DECLINED],
  [RESOLVED]: [],
  [DECLINED]: [],
});
