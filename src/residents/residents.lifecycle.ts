import { StateMachine } from '../common/state-machine';
import { RequestStatus, ResidentRequest } from './resident-request.entity';

const { SUBMITTED, ACCEPTED, IN_PROGRESS, AWAITING_INSPECTION, RESOLVED, DECLINED } = RequestStatus;

/**
 * A resident's request, one table (issue #14): the secretary triages a SUBMITTED request onto the
 * demand list (ACCEPTED: a new item, or merged into an open one) or DECLINES it with a reason. The
 * later steps (IN_PROGRESS, AWAITING_INSPECTION, RESOLVED) get their transitions with the
 * mutations and hooks that make them.
 */
export const requestLifecycle = new StateMachine<RequestStatus, ResidentRequest>('RESIDENT_REQUEST', ResidentRequest, {
  [SUBMITTED]: [ACCEPTED, DECLINED],
  [ACCEPTED]: [],
  [IN_PROGRESS]: [],
  [AWAITING_INSPECTION]: [],
  [RESOLVED]: [],
  [DECLINED]: [],
});
