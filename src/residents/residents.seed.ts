import type { EntityManager } from 'typeorm';
import { now as clockNow } from '../common/clock';
import { Community } from '../communities/community.entity';
import { DemandItem, DemandStatus, ResourceCategory, Urgency } from '../demand/demand-item.entity';
import { demandLifecycle, matchLifecycle } from '../demand/demand.lifecycle';
import { holdUnits, settleDemand } from '../demand/demand.service';
import { MatchOrigin, MatchStatus } from '../demand/match.entity';
import { Partner } from '../partners/partner.entity';
import { User } from '../users/user.entity';
import { Residency } from './residency.entity';
import { requestLifecycle } from './residents.lifecycle';
import { RequestKind, RequestStatus, ResidentRequest } from './resident-request.entity';

/** Residents of 江畔家园 (email, building); seedDemo creates the accounts. */
export const DEMO_RESIDENTS: [string, string][] = [
  ['resident@demo.cn', '3号楼2单元'],
  ['resident.zhou@demo.cn', '5号楼1单元'],
  ['resident.chen@demo.cn', '7号楼3单元'],
];

/**
 * Demo residents and their requests at every status (issue #14): a leaking pipe reported, accepted,
 * taken by the property firm, inspected and rated; a lift button being repaired; a corridor light
 * waiting for inspection; a wish for a reading partner claimed by a resident alone and approved;
 * a wish on the list nobody took yet; a declined complaint with its reason; a suggestion not yet
 * triaged. Runs inside seedDemo's transaction with the hooks off, so every step that a hook would
 * take (a request following its item) is written here, through the lifecycles (history rows).
 */
export async function seedResidents(tx: EntityManager): Promise<void> {
  const jiangpan = await tx.findOneByOrFail(Community, { name: '江畔家园公租房社区' });
  const user = async (email: string) => (await tx.findOneByOrFail(User, { email })).id;
  const secretary = await user('secretary.jiangpan@demo.cn');
  const meta = (by: string, note: string | null = null) => ({ by, note, communityId: jiangpan.id });

  for (const [email, building] of DEMO_RESIDENTS) {
    await tx.save(tx.create(Residency, { userId: await user(email), communityId: jiangpan.id, building, verified: true, verifiedBy: secretary, verifiedAt: clockNow(), since: clockNow(), leftAt: null }));
  }
  const [lin, zhou, chen] = [await user('resident@demo.cn'), await user('resident.zhou@demo.cn'), await user('resident.chen@demo.cn')];
  const buildingOf = (email: string) => DEMO_RESIDENTS.find(([e]) => e === email)![1];

  const submitted = async (requesterId: string, email: string, kind: RequestKind, title: string, description: string, anonymousOnBoard = true) => {
    const request = await tx.save(
      tx.create(ResidentRequest, { communityId: jiangpan.id, requesterId, kind, title, description, building: buildingOf(email), anonymousOnBoard, status: RequestStatus.SUBMITTED, demandId: null, declineReason: null }),
    );
    await requestLifecycle.created(tx, request, meta(requesterId));
    return request;
  };
  /** The secretary puts the request on the demand list as an item of its own. */
  const accepted = async (request: ResidentRequest, title: string, category: ResourceCategory, unit: string, urgency: Urgency) => {
    const item = await tx.save(
      tx.create(DemandItem, {
        communityId: jiangpan.id, title, description: request.description, category, quantity: 1, unit, urgency, neededBy: null,
        status: DemandStatus.OPEN, matchedQuantity: 0, fulfilledQuantity: 0, createdBy: secretary,
      }),
    );
    await demandLifecycle.created(tx, item, meta(secretary));
    await requestLifecycle.apply(tx, request, RequestStatus.ACCEPTED, meta(secretary, '已列入社区需求清单'), { demandId: item.id });
    return item;
  };
  const claimed = async (item: DemandItem, partnerName: string, ownerEmail: string, note: string) => {
    const partner = await tx.findOneByOrFail(Partner, { name: partnerName });
    return holdUnits(tx, { demandId: item.id, partnerId: partner.id, offerId: null, quantity: 1, note, origin: MatchOrigin.CLAIM, by: await user(ownerEmail) }, MatchStatus.PENDING_REVIEW, {});
  };
  /** Claimed by the property firm and approved: the request is IN_PROGRESS (what the residents' hook does). */
  const taken = async (request: ResidentRequest, item: DemandItem, note: string) => {
    const match = await claimed(item, '绿城物业江畔项目部', 'wuye@demo.cn', note);
    await matchLifecycle.apply(tx, match, MatchStatus.APPROVED, meta(secretary, '同意，请尽快上门。'), { reviewNote: '同意，请尽快上门。', reviewedById: secretary, reviewedAt: clockNow() });
    await requestLifecycle.apply(tx, request, RequestStatus.IN_PROGRESS, meta(secretary));
    return match;
  };
  const wuye = await user('wuye@demo.cn');

  // The leaking pipe: reported, accepted, taken by the property firm, done, inspected and rated.
  const pipe = await submitted(lin, 'resident@demo.cn', RequestKind.REPAIR, '厨房水管漏水', '3号楼2单元厨房水槽下的水管接头一直滴水，楼下邻居天花板已经发潮。', false);
  const pipeItem = await accepted(pipe, '3号楼2单元厨房水管维修', ResourceCategory.VOLUNTEER_SERVICE, '次', Urgency.HIGH);
  const pipeMatch = await taken(pipe, pipeItem, '明天上午派水电工上门。');
  await matchLifecycle.apply(tx, pipeMatch, MatchStatus.FULFILLED, meta(secretary, '已更换接头，试水无渗漏。'), { fulfilledAt: clockNow() });
  await settleDemand(tx, await tx.findOneByOrFail(DemandItem, { id: pipeItem.id }), { fulfilled: 1 }, secretary);
  await requestLifecycle.apply(tx, pipe, RequestStatus.AWAITING_INSPECTION, meta(wuye, '已更换水管接头，试水无渗漏。'));
  await requestLifecycle.apply(tx, pipe, RequestStatus.RESOLVED, meta(secretary, '上门查看，已不漏水。'), { resolvedAt: clockNow() });
  await tx.update(ResidentRequest, { id: pipe.id }, { ratingScore: 5, ratingComment: '物业师傅来得很快，修得很好，谢谢！', ratedAt: clockNow() });

  // The lift button: taken by the property firm, work going on.
  const lift = await submitted(zhou, 'resident.zhou@demo.cn', RequestKind.REPAIR, '5号楼电梯按钮失灵', '5号楼电梯里“8”楼的按钮按了没反应，老人上下楼很不方便。');
  await taken(lift, await accepted(lift, '5号楼电梯按钮维修', ResourceCategory.VOLUNTEER_SERVICE, '次', Urgency.URGENT), '已联系电梯维保单位，配件到货后更换。');

  // The corridor light: done, waiting for the secretary's inspection.
  const light = await submitted(chen, 'resident.chen@demo.cn', RequestKind.REPAIR, '7号楼楼道灯不亮', '7号楼3单元四楼到六楼的楼道灯坏了，晚上很黑。');
  await taken(light, await accepted(light, '7号楼楼道灯更换', ResourceCategory.VOLUNTEER_SERVICE, '次', Urgency.NORMAL), '电工今天下午去换灯。');
  await requestLifecycle.apply(tx, light, RequestStatus.AWAITING_INSPECTION, meta(wuye, '四到六楼灯泡已全部更换。'));

  // The wish: on the demand list, claimed alone by 居民小林 (an individual volunteer), approved: in progress.
  const wish = await submitted(zhou, 'resident.zhou@demo.cn', RequestKind.WISH, '想给孙子找一位读书伙伴', '孙子上二年级，父母在外打工，希望有人每周陪他读一次绘本。');
  const wishItem = await accepted(wish, '为二年级孩子找一位读书伙伴', ResourceCategory.VOLUNTEER_SERVICE, '人', Urgency.NORMAL);
  const reading = await holdUnits(
    tx,
    { demandId: wishItem.id, partnerId: null, volunteerId: lin, offerId: null, quantity: 1, note: '我每周六上午有空，可以陪孩子读绘本。', origin: MatchOrigin.CLAIM, by: lin },
    MatchStatus.PENDING_REVIEW,
    {},
  );
  await matchLifecycle.apply(tx, reading, MatchStatus.APPROVED, meta(secretary, '谢谢小林！第一次陪读请在社区图书角。'), { reviewNote: '谢谢小林！第一次陪读请在社区图书角。', reviewedById: secretary, reviewedAt: clockNow() });
  await requestLifecycle.apply(tx, wish, RequestStatus.IN_PROGRESS, meta(secretary));

  // A wish on the demand list that nobody has taken on yet.
  const phone = await submitted(chen, 'resident.chen@demo.cn', RequestKind.WISH, '想学用手机在网上挂号', '家里老人看病要排长队，想请人教一教怎么用手机预约挂号。');
  await accepted(phone, '教老人用手机预约挂号', ResourceCategory.VOLUNTEER_SERVICE, '次', Urgency.NORMAL);

  // A complaint declined, with its reason.
  const complaint = await submitted(chen, 'resident.chen@demo.cn', RequestKind.COMPLAINT, '楼下商铺油烟扰民', '沿街烧烤店每晚油烟很大，窗户都不敢开。');
  const reason = '商铺油烟由市场监管部门处理，已帮您转到12345热线并告知办理进度的查询方式。';
  await requestLifecycle.apply(tx, complaint, RequestStatus.DECLINED, meta(secretary, reason), { declineReason: reason });

  // A suggestion waiting for triage.
  await submitted(lin, 'resident@demo.cn', RequestKind.SUGGESTION, '建议在中心花园增设遮阳棚', '夏天中午花园里太晒，老人带孩子没地方歇脚。');
}
