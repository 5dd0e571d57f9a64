import { StateMachine } from '../common/state-machine';
import { Project, ProjectStatus } from './project.entity';

const { PROPOSED, APPROVED, IN_PROGRESS, COMPLETED, CANCELLED } = ProjectStatus;

/**
 * A community project, one table (issue #15): proposed by its lead (a partner's member or a person),
 * reviewed by the community's secretary (APPROVED, or CANCELLED with the rejection's reason: the
 * contract's statuses have no REJECTED, and a rejected proposal never became public). The first
 * progress update starts the work (IN_PROGRESS); the lead or the secretary completes it with a
 * summary (a small job may be done before any update) or cancels it with a reason.
 */
/** `TransitionMeta.cause` of the secretary's review (a proposal withdrawn by its lead is CANCELLED too). */
export const PROJECT_REVIEWED = 'PROJECT_REVIEWED';

export const projectLifecycle = new StateMachine<ProjectStatus, Project>('PROJECT', Project, {
  [PROPOSED]: [APPROVED, CANCELLED],
  [APPROVED]: [IN_PROGRESS, COMPLETED, CANCELLED],
  [IN_PROGRESS]: [COMPLETED, CANCELLED],
  [COMPLETED]: [],
  [CANCELLED]: [],
});
