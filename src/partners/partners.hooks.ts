import type { EntityManager } from 'typeorm';
import { claimWaitingAccountsWith } from '../auth/auth.service';
import { emit } from '../common/domain-events';
import type { Transition } from '../common/state-machine';
import { msg } from '../i18n/messages';
import { PartnershipStatus, type Partnership } from './partner.entity';
import { partnershipLifecycle } from './partnership.lifecycle';
import { claimManagedAccount } from './invitations.service';

/*
 * What partners tells of its own partnerships (docs/live.md): registered once, imported by src/app.ts.
 * The cascades of an ended partnership belong to the domains that hold something (spaces.hooks.ts, demand.hooks.ts).
 */

// Signing up with the e-mail of an invitation for a managed member takes that member over (docs/accounts.md).
claimWaitingAccountsWith(claimManagedAccount);

type Batch = Transition<PartnershipStatus, Partnership>[];
const { PENDING, ACTIVE, REJECTED, ENDED } = PartnershipStatus;

/** The names a partnership's notifications mention, in one statement. */
async function partnershipNames(tx: EntityManager, partnership: Partnership): Promise<{ community: string; partner: string }> {
  const [row] = await tx.query(`SELECT (SELECT name FROM community WHERE id = $1) AS community, (SELECT name FROM partner WHERE id = $2) AS partner`, [
    partnership.communityId,
    partnership.partnerId,
  ]);
  return row;
}

// A request enters the secretaries' queue of requests: they see it live, the pending list keeps it.
partnershipLifecycle.on(
  { enter: PENDING },
  (tx, batch: Batch) =>
    emit(
      tx,
      batch.map(({ row, meta }) => ({ kind: `PARTNERSHIP_${PENDING}`, communityId: row.communityId, by: meta.by, refs: { partnershipId: row.id }, queues: ['partnershipRequests'] })),
    ),
  { domain: 'partners', name: 'tell the request' },
);

// The partner's members hear the decision; it leaves the queue of requests.
const decided = async (tx: EntityManager, batch: Batch) => {
  for (const { row, to, meta } of batch) {
    const { community } = await partnershipNames(tx, row);
    await emit(tx, [
      {
        kind: `PARTNERSHIP_${to}`,
        message: msg('notification.partnership.reviewed', {
          community,
          approved: to === ACTIVE ? 'yes' : 'no',
          hasNote: meta.note?.trim() ? 'yes' : 'no',
          note: meta.note?.trim() ?? '',
        }),
        communityId: row.communityId,
        by: meta.by,
        refs: { partnershipId: row.id },
        notify: { membersOf: row.partnerId },
        activityOf: row.partnerId,
        queues: ['partnershipRequests'],
      },
    ]);
  }
};
partnershipLifecycle.on({ enter: ACTIVE }, decided, { domain: 'partners', name: 'tell the approval' });
partnershipLifecycle.on({ enter: REJECTED }, decided, { domain: 'partners', name: 'tell the rejection' });

// Both sides are concerned: the partner's members and the community's secretaries, except whoever ended it.
partnershipLifecycle.on(
  { enter: ENDED },
  async (tx, batch: Batch) => {
    for (const { row, meta } of batch) {
      const { community, partner } = await partnershipNames(tx, row);
      await emit(tx, [
        {
          kind: `PARTNERSHIP_${ENDED}`,
          message: msg('notification.partnership.ended', { partner, community, reason: meta.note?.trim() ?? '' }),
          communityId: row.communityId,
          by: meta.by,
          refs: { partnershipId: row.id },
          notify: { membersOf: row.partnerId, secretariesOf: row.communityId },
          activityOf: row.partnerId,
        },
      ]);
    }
  },
  { domain: 'partners', name: 'tell the end' },
);
