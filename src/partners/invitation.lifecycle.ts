import { StateMachine } from '../common/state-machine';
import { InvitationStatus, PartnerInvitation } from './partner-invitation.entity';

const { PENDING, ACCEPTED, DECLINED, REVOKED } = InvitationStatus;

/** An invitation waits for its invitee's answer, or for its owner to take it back. */
export const invitationLifecycle = new StateMachine<InvitationStatus, PartnerInvitation>('PARTNER_INVITATION', PartnerInvitation, {
  [PENDING]: [ACCEPTED, DECLINED, REVOKED],
  [ACCEPTED]: [],
  [DECLINED]: [],
  [REVOKED]: [],
});
