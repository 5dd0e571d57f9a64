import type { Transition } from '../common/state-machine';
import { msg } from '../i18n/messages';
import { PartnershipStatus } from '../partners/partner.entity';
import { PARTNERSHIP_ENDED, partnershipLifecycle } from '../partners/partnership.lifecycle';
import { matchLifecycle } from './demand.lifecycle';
import { DEMAND_CANCELLED, withdrawPartnerMatchesInCommunity } from './demand.service';
import { announceMatches, doers, matchValues, noteValues, type MatchChange, type MatchNames } from './match.announce';
import { MatchStatus, type Match } from './match.entity';

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

/*
 * Every match transition is told (docs/live.md) as `MATCH_<NEW STATUS>` on its partner's activity
 * (and on its community's review queue when it enters or leaves PENDING_REVIEW), with inbox rows for
 * those concerned, never for whoever did it; one batch per transition, so a set (a cancelled demand's
 * matches) is ONE statement of inbox rows. Who did what follows from `from` and `to`; why, from
 * `meta.cause`. What an ended partnership withdraws is told live only.
 */
type MatchTransition = Transition<MatchStatus, Match>;
type Told = (t: MatchTransition) => Pick<MatchChange, 'notify' | 'message'>;
const tell = (to: MatchStatus, name: string, told: Told) =>
  matchLifecycle.on(
    { enter: to },
    (tx, batch) => announceMatches(tx, batch.map((t) => ({ match: t.row, from: t.from, by: t.meta.by, ...(t.meta.cause === PARTNERSHIP_ENDED ? {} : told(t)) }))),
    { domain: 'demand', name },
  );
const { PROPOSED, PENDING_REVIEW, APPROVED, REJECTED, DECLINED, WITHDRAWN, FULFILLED } = MatchStatus;

// A claim enters the review queue: live for secretaries watching it, and in their inbox so no claim waits unseen.
tell(PENDING_REVIEW, 'tell a claim', ({ row }) => ({
  notify: { secretariesOf: row.communityId },
  message: (n) => msg('notification.match.claimed', { ...matchValues(n, row), ...noteValues(row.note) }),
}));
// A dispatch is the secretary's proposal: the partner's members decide.
tell(PROPOSED, 'tell a dispatch', ({ row }) => ({
  notify: doers(row),
  message: (n) => msg('notification.match.dispatched', { ...matchValues(n, row), ...noteValues(row.note) }),
}));

// A dispatch answered: the secretaries hear it. A claim reviewed: the partner hears the decision.
const answered = (accepted: boolean) => ({ row, meta }: MatchTransition) => ({
  notify: { secretariesOf: row.communityId },
  message: (n: MatchNames) => msg('notification.match.dispatchAnswered', { ...matchValues(n, row), accepted: accepted ? 'yes' : 'no', ...noteValues(meta.note) }),
});
const reviewed = (approved: boolean) => ({ row, meta }: MatchTransition) => ({
  notify: doers(row),
  message: (n: MatchNames) => msg('notification.match.reviewed', { ...matchValues(n, row), approved: approved ? 'yes' : 'no', ...noteValues(meta.note) }),
});
tell(APPROVED, 'tell the approval', (t) => (t.from === PROPOSED ? answered(true)(t) : reviewed(true)(t)));
tell(DECLINED, 'tell the declined dispatch', answered(false));
tell(REJECTED, 'tell the rejection', reviewed(false));

tell(WITHDRAWN, 'tell the withdrawal', ({ row, meta }) =>
  meta.cause === DEMAND_CANCELLED
    ? // Each partner whose match a cancelled demand withdrew hears of it.
      {
        notify: doers(row),
        message: (n) => msg('notification.match.demandCancelled', { ...matchValues(n, row), reason: String(meta.values?.reason ?? '') }),
      }
    : // Either side may withdraw: both are told, except whoever did it.
      {
        notify: { ...doers(row), secretariesOf: row.communityId },
        message: (n) => msg('notification.match.withdrawn', { ...matchValues(n, row), reason: meta.note?.trim() ?? '' }),
      },
);

tell(FULFILLED, 'tell the fulfilment', ({ row, meta }) => ({
  notify: doers(row),
  message: (n) => msg('notification.match.fulfilled', { ...matchValues(n, row), ...noteValues(meta.note) }),
}));
