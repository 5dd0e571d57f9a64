import { emit, type DomainEvent, type Recipients } from '../common/domain-events';
import { msg } from '../i18n/messages';
import { Project, ProjectStatus } from './project.entity';
import { PROJECT_REVIEWED, projectLifecycle } from './projects.lifecycle';

/*
 * What projects tell, registered once (imported by src/app.ts); they run after residents'
 * (HOOK_ORDER). A new proposal goes to the community's secretaries (it waits for their review);
 * the review goes to the lead (the lead partner's members, or the person leading it); a completion
 * or a cancellation (a proposal withdrawn by its lead included) goes to the lead and the secretaries. Nobody is told what they
 * did themself (live/ leaves out `by`).
 */

const { PROPOSED, APPROVED, COMPLETED, CANCELLED } = ProjectStatus;

const lead = (project: Project): Recipients => (project.leadPartnerId ? { membersOf: project.leadPartnerId } : { userIds: [project.leadUserId!] });

const noteValues = (note: string | null | undefined) => ({ hasNote: note?.trim() ? 'yes' : 'no', note: note?.trim() ?? '' });

projectLifecycle.on(
  'any',
  (tx, batch) =>
    emit(
      tx,
      batch.flatMap(({ row, from, to, meta }): DomainEvent[] => {
        const event = { kind: `PROJECT_${to}`, communityId: row.communityId, by: meta.by, refs: { projectId: row.id } };
        if (from === null) return [{ ...event, notify: { secretariesOf: row.communityId }, message: msg('notification.project.proposed', { title: row.title }) }];
        if (from === PROPOSED && meta.cause === PROJECT_REVIEWED) {
          return [{ ...event, notify: lead(row), message: msg('notification.project.reviewed', { title: row.title, approved: to === APPROVED ? 'yes' : 'no', ...noteValues(meta.note) }) }];
        }
        if (to === COMPLETED || to === CANCELLED) {
          return [{ ...event, notify: { ...lead(row), secretariesOf: row.communityId }, message: msg('notification.project.changed', { title: row.title, status: to, ...noteValues(meta.note) }) }];
        }
        return [event];
      }),
    ),
  { domain: 'projects', name: 'tell the lead and the secretaries' },
);
