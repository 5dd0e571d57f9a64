import type { EntityManager } from 'typeorm';
import { emit, type DomainEvent } from '../common/domain-events';
import type { Transition } from '../common/state-machine';
import { msg } from '../i18n/messages';
import { AgendaItem, AgendaStatus } from './agenda-item.entity';
import { agendaLifecycle } from './agendas.lifecycle';

/*
 * What deliberation tells, registered once (imported by src/app.ts). The community's residents
 * hear when an item opens for their opinions and when a meeting decided it (ONE inbox statement
 * for all of them: `residentsOf`, in each reader's language); the secretaries hear of a resident's
 * proposal; a resident whose proposal was declined hears why; residents hear why an open item was
 * withdrawn. Nobody is told of what they did themselves.
 */

const { PROPOSED, OPEN_FOR_OPINIONS, DECIDED, WITHDRAWN } = AgendaStatus;

async function zoneOf(tx: EntityManager, communityId: string): Promise<string> {
  const [row]: { timezone: string }[] = await tx.query(`SELECT timezone FROM community WHERE id = $1`, [communityId]);
  return row.timezone;
}

async function eventOf(tx: EntityManager, { row, from, to, meta }: Transition<AgendaStatus, AgendaItem>): Promise<DomainEvent | null> {
  const base = { kind: `AGENDA_ITEM_${to}`, communityId: row.communityId, by: meta.by, refs: { agendaItemId: row.id } };
  const reason = meta.note?.trim() ?? '';
  switch (to) {
    case PROPOSED:
      return { ...base, notify: { secretariesOf: row.communityId }, message: msg('notification.agenda.proposed', { title: row.title }) };
    case OPEN_FOR_OPINIONS:
      return {
        ...base,
        notify: { residentsOf: row.communityId },
        message: msg('notification.agenda.opened', { title: row.title, closeAt: { at: row.opinionsCloseAt.toISOString(), timeZone: await zoneOf(tx, row.communityId) } }),
      };
    case DECIDED:
      return { ...base, notify: { residentsOf: row.communityId }, message: msg('notification.agenda.decided', { title: row.title, outcome: row.outcome ?? '' }) };
    case WITHDRAWN:
      return from === PROPOSED
        ? { ...base, notify: { userIds: [row.proposedBy] }, message: msg('notification.agenda.declined', { title: row.title, reason }) }
        : { ...base, notify: { residentsOf: row.communityId }, message: msg('notification.agenda.withdrawn', { title: row.title, reason }) };
  }
}

agendaLifecycle.on(
  'any',
  async (tx, batch) => {
    const events: DomainEvent[] = [];
    for (const transition of batch) {
      const event = await eventOf(tx, transition);
      if (event) events.push(event);
    }
    await emit(tx, events);
  },
  { domain: 'agendas', name: 'tell the residents and the secretaries' },
);
