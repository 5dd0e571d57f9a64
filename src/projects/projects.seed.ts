import type { EntityManager } from 'typeorm';
import { now as clockNow } from '../common/clock';
import { localDateOf } from '../common/local-time';
import { Community } from '../communities/community.entity';
import { DemandItem } from '../demand/demand-item.entity';
import { Partner } from '../partners/partner.entity';
import { User } from '../users/user.entity';
import { Project, ProjectDemand, ProjectStatus, ProjectUpdate } from './project.entity';
import { projectLifecycle } from './projects.lifecycle';

const DAY = 86_400_000;

/**
 * Demo projects of 江畔家园 (项目清单, issue #15): the property firm's corridor micro-renovation at
 * 60 % with its updates, the library branch's picture-book corner completed, the clean-up of
 * building 7's stairwells the residents' meeting decided last week (agendas.seed.ts links it), and a
 * resident's sunshade proposal waiting for the secretary's review. Runs inside seedDemo's transaction with the
 * hooks off, after demand and residents (it links their items).
 */
export async function seedProjects(tx: EntityManager): Promise<void> {
  const jiangpan = await tx.findOneByOrFail(Community, { name: '江畔家园公租房社区' });
  const user = async (email: string) => (await tx.findOneByOrFail(User, { email })).id;
  const partner = async (name: string) => (await tx.findOneByOrFail(Partner, { name })).id;
  const item = async (title: string) => (await tx.findOneByOrFail(DemandItem, { communityId: jiangpan.id, title })).id;
  const secretary = await user('secretary.jiangpan@demo.cn');
  const daysAgo = (days: number) => new Date(clockNow().getTime() - days * DAY);
  const day = (inDays: number) => localDateOf(new Date(clockNow().getTime() + inDays * DAY), jiangpan.timezone);
  const meta = (by: string, note: string | null = null) => ({ by, note, communityId: jiangpan.id });

  const proposed = async (fields: Partial<Project>, by: string, demandTitles: string[] = []) => {
    const project = await tx.save(
      tx.create(Project, {
        communityId: jiangpan.id, description: null, status: ProjectStatus.PROPOSED, leadPartnerId: null, leadUserId: null, proposedBy: by,
        startDate: null, endDate: null, progressPercent: 0, approvedAt: null, summary: null, cancelReason: null, completedAt: null, ...fields,
      }),
    );
    for (const title of demandTitles) await tx.insert(ProjectDemand, { projectId: project.id, demandId: await item(title), communityId: jiangpan.id });
    await projectLifecycle.created(tx, project, meta(by));
    return project;
  };
  const update = (project: Project, authorId: string, asPartnerId: string | null, text: string, from: number, to: number, at: Date) =>
    tx.insert(ProjectUpdate, { communityId: jiangpan.id, projectId: project.id, authorId, asPartnerId, text, previousPercent: from, progressPercent: to, createdAt: at });

  // 楼道微改造, led by the property firm: approved, three updates, at 60 %.
  const wuye = await user('wuye@demo.cn');
  const firm = await partner('绿城物业江畔项目部');
  const corridor = await proposed(
    { title: '3号楼楼道微改造', description: '更换楼道扶手和感应灯，清理楼道堆物，粉刷墙面，加装消防指示标识。', leadPartnerId: firm, startDate: day(-20), endDate: day(25) },
    wuye,
    ['楼道消防安全检查志愿者'],
  );
  await projectLifecycle.apply(tx, corridor, ProjectStatus.APPROVED, meta(secretary, '同意实施，施工期间请提前张贴告示。'), { approvedAt: daysAgo(21) });
  await update(corridor, wuye, firm, '楼道堆物已清理完毕，共清出旧家具和纸箱二十余件。', 0, 20, daysAgo(18));
  await projectLifecycle.apply(tx, corridor, ProjectStatus.IN_PROGRESS, meta(wuye, '楼道堆物已清理完毕，共清出旧家具和纸箱二十余件。'), { progressPercent: 20 });
  await update(corridor, wuye, firm, '一至六楼扶手已更换为不锈钢扶手。', 20, 45, daysAgo(10));
  await update(corridor, secretary, null, '感应灯已全部安装，居民反映晚上上下楼亮堂多了；墙面粉刷下周开始。', 45, 60, daysAgo(3));
  await tx.update(Project, { id: corridor.id }, { progressPercent: 60 });

  // 儿童之家绘本角焕新, led by the library branch: completed with a summary.
  const librarian = await user('library@demo.cn');
  const library = await partner('浦江镇图书馆江畔分馆');
  const corner = await proposed(
    { title: '儿童之家绘本角焕新', description: '为儿童之家补充绘本、更换书架和阅读垫，每周六开展亲子共读。', leadPartnerId: library, startDate: day(-40), endDate: day(-5) },
    librarian,
    ['儿童之家绘本图书'],
  );
  await projectLifecycle.apply(tx, corner, ProjectStatus.APPROVED, meta(secretary, '很好，孩子们需要。'), { approvedAt: daysAgo(38) });
  await update(corner, librarian, library, '首批一百二十本绘本已上架，新书架安装完成。', 0, 50, daysAgo(25));
  await projectLifecycle.apply(tx, corner, ProjectStatus.IN_PROGRESS, meta(librarian, '首批一百二十本绘本已上架，新书架安装完成。'), { progressPercent: 50 });
  const summary = '共上架绘本二百本，开展亲子共读四次，八十多组家庭参加；书架和阅读垫已交付儿童之家日常使用。';
  await update(corner, librarian, library, summary, 50, 100, daysAgo(5));
  await projectLifecycle.apply(tx, corner, ProjectStatus.COMPLETED, meta(librarian, summary), { progressPercent: 100, summary, completedAt: daysAgo(5) });

  // 7号楼楼道堆物清理, decided at last week's residents' meeting: the property firm leads it, approved, not started.
  const cleanUp = await proposed(
    { title: '7号楼楼道堆物集中清理', description: '按议事会决议，周六上午清理7号楼楼道堆物；无人认领的物品由物业统一处理。', leadPartnerId: firm, startDate: day(3), endDate: day(3) },
    wuye,
  );
  await projectLifecycle.apply(tx, cleanUp, ProjectStatus.APPROVED, meta(secretary, '议事会决议，同意实施。'), { approvedAt: daysAgo(7) });

  // A resident's own proposal, waiting for the secretary's review.
  const lin = await user('resident@demo.cn');
  await proposed({ title: '中心花园遮阳棚', description: '在中心花园长椅旁搭两处遮阳棚，夏天老人带孩子有地方歇脚；我愿意牵头联系居民出工。', leadUserId: lin }, lin);
}
