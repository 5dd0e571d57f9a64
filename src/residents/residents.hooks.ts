import type { EntityManager } from 'typeorm';
import { emit } from '../common/domain-events';
import { DemandStatus } from '../demand/demand-item.entity';
import { demandLifecycle, matchLifecycle } from '../demand/demand.lifecycle';
import { MatchStatus } from '../demand/match.entity';
import { msg } from '../i18n/messages';
import { RequestStatus } from './resident-request.entity';
import { requestLifecycle } from './residents.lifecycle';

/*
 * What residents add to the domains below them and tell of their own requests, registered once
 * (imported by src/app.ts); they run after demand's (HOOK_ORDER). Demand never knows of requests:
 * accepted requests follow their item from here.
 */

const { SUBMITTED, ACCEPTED, IN_PROGRESS, AWAITING_INSPECTION, DECLINED } = RequestStatus;

/**
 * Moves the requests on these items (in ONE statement, the history with them) to `to`. Named with
 * their communities as well, which the items carry: under Citus the statement then asks only their shards.
 */
function followItems(
  tx: EntityManager,
  items: { communityId: string; id: string }[],
  to: RequestStatus,
  meta: { by: string | null; note?: string | null },
  from: RequestStatus[],
  changes = {},
) {
  const ids = [...new Set(items.map((i) => i.id))];
  if (!ids.length) return Promise.resolve([]);
  const communities = [...new Set(items.map((i) => i.communityId))];
  return requestLifecycle.applyWhere(tx, { sql: 'community_id IN (:...communities) AND demand_id IN (:...ids)', params: { communities, ids } }, to, { by: meta.by, note: meta.note ?? null }, { from, changes });
}

// Someone took the item on (a claim approved, a dispatch accepted): its accepted requests are IN_PROGRESS.
matchLifecycle.on(
  { enter: MatchStatus.APPROVED },
  async (tx, batch) => {
    for (const { row, meta } of batch) await followItems(tx, [{ communityId: row.communityId, id: row.demandId }], IN_PROGRESS, { by: meta.by }, [ACCEPTED]);
  },
  { domain: 'residents', name: 'requests on the item are in progress' },
);

// The item was fulfilled: the work is done, its requests wait for the secretary's inspection.
demandLifecycle.on(
  { enter: DemandStatus.FULFILLED },
  async (tx, batch) => {
    await followItems(tx, batch.map((t) => t.row), AWAITING_INSPECTION, { by: batch[0].meta.by }, [ACCEPTED, IN_PROGRESS]);
  },
  { domain: 'residents', name: 'requests on the item await inspection' },
);

// The item was cancelled: its requests are declined with the item's reason.
demandLifecycle.on(
  { enter: DemandStatus.CANCELLED },
  async (tx, batch) => {
    for (const { row, meta } of batch) {
      const reason = meta.note?.trim() || row.title;
      await followItems(tx, [row], DECLINED, { by: meta.by, note: reason }, [ACCEPTED, IN_PROGRESS, AWAITING_INSPECTION], { declineReason: reason });
    }
  },
  { domain: 'residents', name: 'requests on the item are declined' },
);

// Every step is told to the requester: live (myRequestChanged), and in their inbox in their language
// when someone else made it (the inbox never tells people what they did themselves). A new request
// is told to the community's secretaries instead (their inbox, one row per request), and entering or
// leaving SUBMITTED moves the secretaries' triage queue (residentRequestsChanged); entering or leaving
// AWAITING_INSPECTION moves their inspections (验收, followed through pendingWorkChanged).
requestLifecycle.on(
  'any',
  (tx, batch) =>
    emit(
      tx,
      batch.map(({ row, from, to, meta }) => ({
        kind: `RESIDENT_REQUEST_${to}`,
        communityId: row.communityId,
        by: meta.by,
        refs: { requestId: row.id },
        requester: row.requesterId,
        queues: [
          ...(from === SUBMITTED || to === SUBMITTED ? ['residentRequests' as const] : []),
          ...(from === AWAITING_INSPECTION || to === AWAITING_INSPECTION ? ['requestInspection' as const] : []),
        ],
        ...(to === SUBMITTED && from === null
          ? { notify: { secretariesOf: row.communityId }, message: msg('notification.request.submitted', { title: row.title, kind: row.kind }) }
          : {
              notify: { userIds: [row.requesterId] },
              message: msg('notification.request.changed', { title: row.title, status: to, hasNote: meta.note?.trim() ? 'yes' : 'no', note: meta.note?.trim() ?? '' }),
            }),
      })),
    ),
  { domain: 'residents', name: 'tell the requester and the secretaries' },
);
