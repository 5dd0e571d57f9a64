import { StateMachine } from '../common/state-machine';
import { ContractStatus, SpaceContract } from './space-contract.entity';

const { PENDING_REVIEW, ACTIVE, REJECTED, TERMINATED, EXPIRED } = ContractStatus;

export const contractLifecycle = new StateMachine<ContractStatus, SpaceContract>('SPACE_CONTRACT', SpaceContract, {
  [PENDING_REVIEW]: [ACTIVE, REJECTED],
  [ACTIVE]: [TERMINATED, EXPIRED],
  [REJECTED]: [],
  [TERMINATED]: [],
  [EXPIRED]: [],
});
