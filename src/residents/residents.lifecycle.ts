import { StateMachine } from '../common/state-machine';
import { RequestStatus, ResidentRequest } from './resident-request.entity';

const { SUBMITTED, ACCEPTED, IN_PROGRESS, AWAITING_INSPECTION, RESOLVED, DECLINED } = RequestStatus;

/**
 * A resident's request, one table (issue #14): the secretary triages a SUBMITTED request onto the
 * demand list (ACCEPTED: a new item, or merged into an open one) or DECLINES it with a reason.
 * Accepted requests follow their item (residents.hooks.ts): IN_PROGRESS once a match on it is
 * approved, AWAITING_INSPECTION when it is fulfilled, DECLINED with the item's reason when it is
 * cancelled. The volunteer, the partner or the secretary reports the work done (reportRequestDone); the secretary
 * inspects it (inspectRequest): RESOLVED, or back to IN_PROGRESS with a note.
 */
export const requestLifecycle = new StateMachine<RequestStatus, ResidentRequest>('RESIDENT_REQUEST', ResidentRequest, {
  [SUBMITTED]: [ACCEPTED, DECLINED],
  // A match on its item approved: someone took it on. Reported done (or its item fulfilled): awaiting
  // inspection. Its item cancelled: declined with the item's reason.
  [ACCEPTED]: [IN_PROGRESS, AWAITING_INSPECTION, DECLINED],
  [IN_PROGRESS]: [AWAITING_INSPECTION, DECLINED],
  // The secretary's inspection (验收): resolved, or back to work with a note.
  [AWAITING_INSPECTION]: [RESOLVED, IN_PROGRESS, DECLINED],
  [RESOLVED]: [],
  [DECLINED]: [],
});
