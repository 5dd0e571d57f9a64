import { now as clockNow } from '../common/clock';
import { localDateOf } from '../common/local-time';
import type { EntityManager } from 'typeorm';
import { Community } from '../communities/community.entity';
import { Partner } from '../partners/partner.entity';
import { User } from '../users/user.entity';
import { DemandItem, DemandStatus, ResourceCategory, Urgency } from './demand-item.entity';
import { demandLifecycle, matchLifecycle, offerLifecycle } from './demand.lifecycle';
import { holdUnits, settleDemand } from './demand.service';
import { Evaluation, MatchOrigin, MatchStatus } from './match.entity';
import { OfferCommunity, OfferStatus, SupplyOffer } from './supply-offer.entity';

const DAY = 86_400_000;
const { SPACE, VOLUNTEER_SERVICE, GOODS, EXPERTISE, FUNDING, EVENT } = ResourceCategory;

/**
 * Demo demand lists, the resource pool and matches in every state a secretary meets: claims
 * waiting for review (one URGENT), a dispatch waiting for the partner's answer, and a delivered,
 * evaluated match. Runs inside seedDemo's transaction, after its communities, partners and people.
 */
export async function seedDemand(tx: EntityManager): Promise<void> {
  const community = (name: string) => tx.findOneByOrFail(Community, { name });
  const partner = (name: string) => tx.findOneByOrFail(Partner, { name });
  const user = async (email: string) => (await tx.findOneByOrFail(User, { email })).id;
  const [jiangpan, meiyuan] = [await community('江畔家园公租房社区'), await community('梅园新村')];
  const wangSecretary = await user('secretary.jiangpan@demo.cn');
  const liSecretary = await user('secretary.meiyuan@demo.cn');

  const demand = async (c: Community, by: string, title: string, description: string, category: ResourceCategory, quantity: number, unit: string, urgency: Urgency, inDays: number | null) => {
    const item = await tx.save(
      tx.create(DemandItem, {
        communityId: c.id, title, description, category, quantity, unit, urgency,
        neededBy: inDays === null ? null : localDateOf(new Date(clockNow().getTime() + inDays * DAY), c.timezone),
        status: DemandStatus.OPEN, matchedQuantity: 0, fulfilledQuantity: 0, createdBy: by,
      }),
    );
    await demandLifecycle.created(tx, item, { by, communityId: c.id });
    return item;
  };
  const benches = await demand(jiangpan, wangSecretary, '院子需要六张户外长椅', '中心花园老人散步多，希望添置防腐木长椅供休息。', GOODS, 6, '张', Urgency.HIGH, 30);
  const printing = await demand(jiangpan, wangSecretary, '四点半课堂网课资料打印', '孩子们上网课需要打印练习册和讲义，每月约五百页。', GOODS, 500, '页', Urgency.NORMAL, 14);
  const legal = await demand(jiangpan, wangSecretary, '公租房租赁合同法律咨询', '部分租户对续租合同条款有疑问，需要律师现场解答。', EXPERTISE, 4, '小时', Urgency.NORMAL, null);
  await demand(jiangpan, wangSecretary, '儿童之家绘本图书', '儿童之家书架空了一半，希望补充适合三到十岁孩子的绘本和课外读物。', GOODS, 200, '本', Urgency.NORMAL, 45);
  await demand(jiangpan, wangSecretary, '新手妈妈育儿健康讲座', '社区新生儿家庭多，希望请专业人员讲解婴幼儿喂养和常见病护理。', EXPERTISE, 2, '场', Urgency.NORMAL, 60);
  await demand(jiangpan, wangSecretary, '老年茶话会场地与茶水', '每月一次重阳茶话会，需要场地和茶水招待。', EVENT, 2, '场', Urgency.LOW, 60);
  const fireCheck = await demand(jiangpan, wangSecretary, '楼道消防安全检查志愿者', '高层楼道堆物较多，急需志愿者协助排查消防隐患。', VOLUNTEER_SERVICE, 10, '人次', Urgency.URGENT, 7);
  await demand(jiangpan, wangSecretary, '儿童之家周末活动场地', '周末亲子阅读活动需要一间能容纳三十人的活动室。', SPACE, 4, '次', Urgency.NORMAL, 45);
  await demand(meiyuan, liSecretary, '睦邻点客堂间修缮经费', '老式客堂间地板和照明需要修缮。', FUNDING, 5000, '元', Urgency.HIGH, 90);

  const offer = async (p: Partner, by: string, title: string, description: string, category: ResourceCategory, quantity: number, unit: string, communities: Community[] = []) => {
    const row = await tx.save(
      tx.create(SupplyOffer, {
        partnerId: p.id, title, description, category, quantity, unit, heldQuantity: 0, availableUntil: null,
        allCommunities: communities.length === 0, status: OfferStatus.ACTIVE, createdBy: by,
      }),
    );
    for (const c of communities) await tx.insert(OfferCommunity, { offerId: row.id, communityId: c.id });
    await offerLifecycle.created(tx, row, { by });
    return row;
  };
  const wuye = await partner('绿城物业江畔项目部');
  const library = await partner('浦江镇图书馆江畔分馆');
  const lawyers = await partner('阳光法律援助服务社');
  const tea = await partner('闲云茶馆');
  const volunteers = await partner('江畔家园居民志愿服务队');
  const wuyeOwner = await user('wuye@demo.cn');
  const libraryOwner = await user('library@demo.cn');
  const lawyersOwner = await user('legal@demo.cn');
  const volunteersOwner = await user('volunteers@demo.cn');

  const benchOffer = await offer(wuye, wuyeOwner, '户外防腐木长椅（可捐赠）', '项目部仓库有闲置长椅，可安装到位。', GOODS, 4, '张');
  const printOffer = await offer(library, libraryOwner, '打印与复印服务', '分馆每月可为社区免费打印一千页资料。', GOODS, 1000, '页');
  const legalOffer = await offer(lawyers, lawyersOwner, '免费法律咨询', '律师志愿者驻点解答合同、劳动和租赁问题。', EXPERTISE, 20, '小时');
  await offer(tea, await user('tea@demo.cn'), '茶话会茶水招待', '为社区老人茶话会提供茶水和点心。', EVENT, 6, '场', [jiangpan]);
  await offer(volunteers, volunteersOwner, '消防安全巡查', '队员每周六上午巡查楼道消防通道。', VOLUNTEER_SERVICE, 30, '人次');

  const base = { note: null as string | null };
  // Claims waiting for the secretary's review (the URGENT one first in the queue).
  await holdUnits(tx, { ...base, demandId: benches.id, partnerId: wuye.id, offerId: benchOffer.id, quantity: 4, note: '仓库有四张，下周可安装。', origin: MatchOrigin.CLAIM, by: wuyeOwner }, MatchStatus.PENDING_REVIEW, {});
  await holdUnits(tx, { ...base, demandId: fireCheck.id, partnerId: volunteers.id, offerId: null, quantity: 6, note: '本周六组织六名队员。', origin: MatchOrigin.CLAIM, by: volunteersOwner }, MatchStatus.PENDING_REVIEW, {});
  // A dispatch waiting for the library's answer.
  await holdUnits(tx, { ...base, demandId: printing.id, partnerId: library.id, offerId: printOffer.id, quantity: 500, note: '请分馆支持本月网课资料打印。', origin: MatchOrigin.DISPATCH, by: wangSecretary }, MatchStatus.PROPOSED, { reviewedById: wangSecretary, reviewedAt: clockNow() });
  // Delivered and evaluated: the legal-advice hours.
  const delivered = await holdUnits(tx, { ...base, demandId: legal.id, partnerId: lawyers.id, offerId: legalOffer.id, quantity: 4, note: '周三晚上在法律服务室驻点。', origin: MatchOrigin.CLAIM, by: lawyersOwner }, MatchStatus.PENDING_REVIEW, {});
  const meta = { by: wangSecretary, communityId: jiangpan.id };
  await matchLifecycle.apply(tx, delivered, MatchStatus.APPROVED, { ...meta, note: '欢迎，请按时到场。' }, { reviewNote: '欢迎，请按时到场。', reviewedById: wangSecretary, reviewedAt: clockNow() });
  await matchLifecycle.apply(tx, delivered, MatchStatus.FULFILLED, { ...meta, note: '四小时咨询已完成，十二户租户受益。' }, { fulfilledAt: clockNow() });
  await settleDemand(tx, await tx.findOneByOrFail(DemandItem, { id: legal.id }), { fulfilled: 4 }, wangSecretary);
  await tx.insert(Evaluation, { communityId: jiangpan.id, matchId: delivered.id, partnerId: lawyers.id, rating: 5, comment: '讲解耐心细致，居民反响很好。', evaluatedById: wangSecretary });
}
