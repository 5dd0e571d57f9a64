import { emit } from '../common/domain-events';
import { msg } from '../i18n/messages';
import { RatingRoundStatus } from './rating-round.entity';
import { ratingRoundLifecycle } from './ratings.lifecycle';

/*
 * What rating rounds tell, registered once (imported by src/app.ts): the panel learns that a round
 * opened (their inbox and live), and once it is closed each rated partner's members learn their
 * stars. The reminder a day before the close comes from the sweep (ratings.sweep.ts).
 */

ratingRoundLifecycle.on(
  { enter: RatingRoundStatus.OPEN },
  async (tx, batch) => {
    const events = [];
    for (const { row, meta } of batch) {
      const panel: { user_id: string }[] = await tx.query(`SELECT user_id FROM rating_panellist WHERE community_id = $1 AND round_id = $2`, [row.communityId, row.id]);
      events.push({
        kind: 'RATING_ROUND_OPEN',
        communityId: row.communityId,
        by: meta.by,
        refs: { ratingRoundId: row.id },
        notify: { userIds: panel.map((p) => p.user_id) },
        message: msg('notification.rating.opened', { title: row.title, period: row.period }),
      });
    }
    await emit(tx, events);
  },
  { domain: 'ratings', name: 'tell the panel' },
);

ratingRoundLifecycle.on(
  { enter: RatingRoundStatus.CLOSED },
  async (tx, batch) => {
    const events = [];
    for (const { row, meta } of batch) {
      const rated: { partner_id: string; stars: number }[] = await tx.query(`SELECT partner_id, stars FROM partner_rating WHERE community_id = $1 AND round_id = $2`, [row.communityId, row.id]);
      events.push(
        ...rated.map((r) => ({
          kind: 'RATING_ROUND_CLOSED',
          communityId: row.communityId,
          by: meta.by,
          refs: { ratingRoundId: row.id },
          activityOf: r.partner_id,
          notify: { membersOf: r.partner_id },
          message: msg('notification.rating.published', { title: row.title, stars: r.stars }),
        })),
      );
    }
    await emit(tx, events);
  },
  { domain: 'ratings', name: "tell the rated partners' members" },
);
