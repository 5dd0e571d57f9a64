import { StateMachine } from '../common/state-machine';
import { ServiceLog, ServiceLogStatus } from './service-log.entity';

const { PENDING, VERIFIED, REJECTED } = ServiceLogStatus;

export const serviceLogLifecycle = new StateMachine<ServiceLogStatus, ServiceLog>('SERVICE_LOG', ServiceLog, {
  [PENDING]: [VERIFIED, REJECTED],
  [VERIFIED]: [],
  [REJECTED]: [],
});
