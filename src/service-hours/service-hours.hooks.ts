import { msg } from '../i18n/messages';
import { emit } from '../common/domain-events';
import { ServiceLogStatus } from './service-log.entity';
import { serviceLogLifecycle } from './service-log.lifecycle';

/*
 * What service hours tells of its own logs (docs/live.md), registered once (imported by src/app.ts);
 * the order the hooks run in is HOOK_ORDER (src/common/state-machine.ts, docs/architecture.md).
 */

// A new log waits for the community's verification: told live only (the secretary's pending work).
serviceLogLifecycle.on(
  { enter: ServiceLogStatus.PENDING },
  (tx, batch) =>
    emit(
      tx,
      batch.map(({ row, meta }) => ({ kind: `SERVICE_LOG_${ServiceLogStatus.PENDING}`, communityId: row.communityId, by: meta.by, refs: { serviceLogId: row.id }, queues: ['logVerification'] })),
    ),
  { domain: 'service-hours', name: 'tell PENDING' },
);

// Each volunteer hears the decision on their own logs; a batch decided together is one statement of inbox rows.
for (const to of [ServiceLogStatus.VERIFIED, ServiceLogStatus.REJECTED]) {
  serviceLogLifecycle.on(
    { enter: to },
    (tx, batch) =>
      emit(
        tx,
        batch.map(({ row, meta }) => ({
          kind: `SERVICE_LOG_${to}`,
          message: msg('serviceLog.decided.notice', {
            description: row.description.slice(0, 80),
            minutes: row.minutes,
            status: to,
            hasNote: meta.note?.trim() ? 'yes' : 'no',
            note: meta.note?.trim() ?? '',
          }),
          communityId: row.communityId,
          by: meta.by,
          refs: { serviceLogId: row.id },
          queues: ['logVerification'],
          notify: { userIds: [row.volunteerId] },
        })),
      ),
    { domain: 'service-hours', name: `tell ${to}` },
  );
}
