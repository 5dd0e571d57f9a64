import type { EntityManager } from 'typeorm';
import { now as clockNow } from '../common/clock';
import { localToday } from '../common/slots';
import { Community } from '../communities/community.entity';
import { DemandItem, DemandStatus, ResourceCategory, Urgency } from '../demand/demand-item.entity';
import { demandLifecycle } from '../demand/demand.lifecycle';
import { Project } from '../projects/project.entity';
import { User } from '../users/user.entity';
import { AgendaItem, AgendaStatus, Opinion, Stance } from './agenda-item.entity';
import { agendaLifecycle } from './agendas.lifecycle';

const DAY_MS = 86_400_000;

/**
 * Demo deliberation in 江畔家园 (issue #15): an item open for the residents' opinions (加装遮阳棚,
 * three opinions, one anonymous), and one a residents' meeting decided last week that put a demand
 * item on the list and created a project (楼道堆物清理: volunteers and the property firm's clean-up,
 * seeded by projects.seed.ts). Runs inside seedDemo's transaction with the hooks off (nobody is
 * told); every status goes through the lifecycle (history rows).
 */
export async function seedAgendas(tx: EntityManager): Promise<void> {
  const jiangpan = await tx.findOneByOrFail(Community, { name: '江畔家园公租房社区' });
  const user = async (email: string) => (await tx.findOneByOrFail(User, { email })).id;
  const secretary = await user('secretary.jiangpan@demo.cn');
  const meta = (by: string) => ({ by, communityId: jiangpan.id });
  const at = clockNow();

  const open = await tx.save(
    tx.create(AgendaItem, {
      communityId: jiangpan.id,
      title: '中心花园是否加装遮阳棚',
      description: '多位居民反映夏天中午花园太晒，老人带孩子没处歇脚。拟在花园东侧加装两处遮阳棚，费用从社区公益金列支。请大家发表意见。',
      status: AgendaStatus.OPEN_FOR_OPINIONS,
      opinionsCloseAt: new Date(at.getTime() + 10 * DAY_MS),
      proposedBy: secretary,
      openedAt: at,
    }),
  );
  await agendaLifecycle.created(tx, open, meta(secretary));
  const opinions: [string, Stance, string, boolean][] = [
    ['resident@demo.cn', Stance.SUPPORT, '支持！夏天带孩子出来玩实在太晒了。', false],
    ['resident.zhou@demo.cn', Stance.SUPPORT, '建议棚下放几张长椅，老人可以坐着聊天。', false],
    ['resident.chen@demo.cn', Stance.OPPOSE, '担心占用草坪，晚上也可能有人在棚下喧哗。', true],
  ];
  // An hour apart, in this order (opinions read oldest first).
  const hoursAgo = (h: number) => new Date(at.getTime() - h * 3_600_000);
  for (const [i, [email, stance, text, anonymous]] of opinions.entries()) {
    const written = hoursAgo(opinions.length - i);
    await tx.save(tx.create(Opinion, { communityId: jiangpan.id, agendaItemId: open.id, authorId: await user(email), stance, text, anonymous, revision: 1, createdAt: written, updatedAt: written }));
  }

  // Decided at last week's residents' meeting (八点议事会): a clean-up put on the demand list and the project list.
  const decided = await tx.save(
    tx.create(AgendaItem, {
      communityId: jiangpan.id,
      title: '7号楼楼道堆物集中清理',
      description: '7号楼楼道长期堆放旧家具和纸箱，存在消防隐患。拟组织一次集中清理，请居民提出意见。',
      status: AgendaStatus.OPEN_FOR_OPINIONS,
      opinionsCloseAt: new Date(at.getTime() - 8 * DAY_MS),
      proposedBy: secretary,
      openedAt: new Date(at.getTime() - 15 * DAY_MS),
      createdAt: new Date(at.getTime() - 15 * DAY_MS),
    }),
  );
  await agendaLifecycle.created(tx, decided, meta(secretary));
  for (const [email, stance, text, daysAgo] of [
    ['resident.chen@demo.cn', Stance.SUPPORT, '早该清理了，楼道里晚上经常绊倒人。', 14],
    ['resident@demo.cn', Stance.NEUTRAL, '同意清理，但请提前通知，给大家留时间把有用的东西搬回家。', 12],
  ] as const) {
    const written = new Date(at.getTime() - daysAgo * DAY_MS);
    await tx.save(tx.create(Opinion, { communityId: jiangpan.id, agendaItemId: decided.id, authorId: await user(email), stance, text, anonymous: false, revision: 1, createdAt: written, updatedAt: written }));
  }
  const cleanUp = await tx.save(
    tx.create(DemandItem, {
      communityId: jiangpan.id,
      title: '7号楼楼道堆物清理志愿者',
      description: '议事会决议：周六上午集中清理7号楼楼道堆物，需要志愿者协助搬运。',
      category: ResourceCategory.VOLUNTEER_SERVICE,
      quantity: 6,
      unit: '人',
      urgency: Urgency.NORMAL,
      neededBy: null,
      status: DemandStatus.OPEN,
      matchedQuantity: 0,
      fulfilledQuantity: 0,
      createdBy: secretary,
    }),
  );
  await demandLifecycle.created(tx, cleanUp, meta(secretary));
  const meetingDate = localToday(jiangpan.timezone, new Date(at.getTime() - 7 * DAY_MS));
  await agendaLifecycle.apply(tx, decided, AgendaStatus.DECIDED, meta(secretary), {
    meetingDate,
    attendees: 27,
    outcome: '到会居民一致同意集中清理；提前一周张贴通知，周六上午由居民志愿服务队和物业共同清理，无人认领的物品由物业统一处理。',
    decidedAt: at,
  });
  await tx.query(`INSERT INTO agenda_item_demand (community_id, agenda_item_id, demand_id) VALUES ($1, $2, $3)`, [jiangpan.id, decided.id, cleanUp.id]);
  const project = await tx.findOneByOrFail(Project, { communityId: jiangpan.id, title: '7号楼楼道堆物集中清理' });
  await tx.query(`INSERT INTO agenda_item_project (community_id, agenda_item_id, project_id) VALUES ($1, $2, $3)`, [jiangpan.id, decided.id, project.id]);
}
