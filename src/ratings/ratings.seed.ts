import type { EntityManager } from 'typeorm';
import { now as clockNow } from '../common/clock';
import { Community } from '../communities/community.entity';
import { Partner } from '../partners/partner.entity';
import { User } from '../users/user.entity';
import { DEFAULT_CRITERIA, RatingRound, RatingRoundStatus } from './rating-round.entity';
import { ratingRoundLifecycle } from './ratings.lifecycle';
import { closeInTx } from './ratings.service';

const DAY_MS = 86_400_000;

/** The partners of 江畔家园 the panel rated, and each panellist's scores on the five default criteria. */
const RATED: [string, number[][]][] = [
  ['绿城物业江畔项目部', [[4, 4, 3, 4, 3], [5, 4, 4, 4, 3], [4, 3, 4, 3, 3], [4, 4, 4, 4, 4]]],
  ['浦江镇图书馆江畔分馆', [[5, 5, 4, 5, 4], [5, 4, 5, 5, 5], [4, 5, 5, 4, 4], [5, 5, 4, 5, 5]]],
  ['阳光法律援助服务社', [[4, 4, 5, 5, 3], [4, 5, 4, 5, 4], [5, 4, 4, 4, 4], [4, 4, 5, 5, 4]]],
  ['江畔家园居民志愿服务队', [[5, 3, 4, 5, 4], [4, 3, 4, 5, 5], [5, 3, 3, 5, 4], [5, 4, 4, 5, 4]]],
];

/** The panel: the secretary and three residents' representatives. */
const PANEL = ['secretary.jiangpan@demo.cn', 'resident@demo.cn', 'resident.zhou@demo.cn', 'resident.chen@demo.cn'];

/**
 * A closed rating round of 江畔家园 (评估定星, 2026年第三季度) with its results, frozen by the same
 * close as the API's; and the next round open, one ballot cast. Runs inside seedDemo's transaction
 * with the hooks off (the demo inbox is written by seed-notifications.ts).
 */
export async function seedRatings(tx: EntityManager): Promise<void> {
  const jiangpan = await tx.findOneByOrFail(Community, { name: '江畔家园公租房社区' });
  const panel = await Promise.all(PANEL.map(async (email) => (await tx.findOneByOrFail(User, { email })).id));
  const partners = await Promise.all(RATED.map(async ([name]) => (await tx.findOneByOrFail(Partner, { name })).id));
  const secretary = panel[0];

  const open = async (title: string, period: string, closesAt: Date) => {
    const round = await tx.save(
      tx.create(RatingRound, {
        communityId: jiangpan.id, title, period, status: RatingRoundStatus.OPEN, closesAt, criteria: DEFAULT_CRITERIA.map((c) => ({ ...c })), openedBy: secretary, remindedAt: null, closedAt: null,
        // Opened two weeks before its close: rounds read newest first, never tied within the seed's one transaction.
        createdAt: new Date(closesAt.getTime() - 14 * DAY_MS),
      }),
    );
    await tx.query(`INSERT INTO rating_round_partner (community_id, round_id, partner_id) SELECT $1, $2, unnest($3::uuid[])`, [jiangpan.id, round.id, partners]);
    await tx.query(`INSERT INTO rating_panellist (community_id, round_id, user_id) SELECT $1, $2, unnest($3::uuid[])`, [jiangpan.id, round.id, panel]);
    await ratingRoundLifecycle.created(tx, round, { by: secretary, communityId: jiangpan.id });
    return round;
  };
  const ballot = async (round: RatingRound, partnerId: string, panellistId: string, values: number[], comment: string | null = null) => {
    const key = [jiangpan.id, round.id, partnerId, panellistId];
    await tx.query(`INSERT INTO rating_ballot (community_id, round_id, partner_id, panellist_id, comment, scored_at) VALUES ($1, $2, $3, $4, $5, $6)`, [...key, comment, clockNow()]);
    await tx.query(
      `INSERT INTO rating_score (community_id, round_id, partner_id, panellist_id, criterion_key, score) SELECT $1, $2, $3, $4, unnest($5::text[]), unnest($6::int[])`,
      [...key, DEFAULT_CRITERIA.map((c) => c.key), values],
    );
  };

  const q3 = await open('2026年第三季度社区合伙人评估定星', '2026Q3', new Date(clockNow().getTime() - DAY_MS));
  for (const [i, [, byPanellist]] of RATED.entries()) {
    for (const [j, values] of byPanellist.entries()) await ballot(q3, partners[i], panel[j], values, j === 1 && i === 1 ? '亲子阅读活动办得很好，孩子们很喜欢' : null);
  }
  await closeInTx(tx, q3.id, secretary);

  const q4 = await open('2026年第四季度社区合伙人评估定星', '2026Q4', new Date(clockNow().getTime() + 14 * DAY_MS));
  await ballot(q4, partners[0], panel[1], [4, 4, 4, 5, 3], '楼道维修响应比上季度快');
}
