import { StateMachine } from '../common/state-machine';
import { AgendaItem, AgendaStatus } from './agenda-item.entity';

const { PROPOSED, OPEN_FOR_OPINIONS, DECIDED, WITHDRAWN } = AgendaStatus;

/**
 * An agenda item, one table (issue #15 item 1). A secretary's item opens at once; a verified
 * resident's waits (PROPOSED) for the secretary, who opens it (approveAgendaItem) or declines it
 * (withdrawAgendaItem with a reason). An open item is decided by a meeting (recordDecision) or
 * withdrawn; decided and withdrawn items are read-only.
 */
export const agendaLifecycle = new StateMachine<AgendaStatus, AgendaItem>('AGENDA_ITEM', AgendaItem, {
  [PROPOSED]: [OPEN_FOR_OPINIONS, WITHDRAWN],
  [OPEN_FOR_OPINIONS]: [DECIDED, WITHDRAWN],
  [DECIDED]: [],
  [WITHDRAWN]: [],
});
