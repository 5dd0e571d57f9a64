import { PartnershipStatus } from '../partners/partner.entity';
import { partnershipLifecycle } from '../partners/partnership.lifecycle';
import { withdrawPartnerMatchesInCommunity } from './demand.service';

/*
 * What demand adds to the domains below it, registered once (imported by src/app.ts); the order
 * the hooks run in is HOOK_ORDER (src/common/state-machine.ts, docs/architecture.md).
 */

// A partnership that ends withdraws the partner's unreviewed matches in the community.
partnershipLifecycle.on(
  { enter: PartnershipStatus.ENDED },
  async (tx, batch) => {
    for (const { row, meta } of batch) await withdrawPartnerMatchesInCommunity(tx, row.partnerId, row.communityId, meta.by, meta.note ?? '');
  },
  { domain: 'demand', name: 'withdraw the unreviewed matches' },
);
