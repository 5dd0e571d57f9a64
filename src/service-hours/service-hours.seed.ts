import { now as clockNow } from '../common/clock';
import { DateTime } from 'luxon';
import type { EntityManager } from 'typeorm';
import { Partner, PartnerMember, PartnerRole } from '../partners/partner.entity';
import { User } from '../users/user.entity';
import { ServiceLog, ServiceLogStatus } from './service-log.entity';
import { serviceLogLifecycle } from './service-log.lifecycle';

const { PENDING, VERIFIED, REJECTED } = ServiceLogStatus;

/** The demo's managed member (no e-mail): in LOGS by this name instead of an e-mail. */
const NURSE = '钱护士（保健站，无邮箱）';

/** [volunteer email (or NURSE), partner name or null, community name, days ago, local start, local end, description, fate, note] */
type DemoLog = [string, string | null, string, number, string, string, string, ServiceLogStatus, string?];

const LOGS: DemoLog[] = [
  ['volunteers@demo.cn', '江畔家园居民志愿服务队', '江畔家园公租房社区', 41, '19:00', '21:00', '夜间楼道巡逻（1-8号楼），排查消防通道堆物3处', VERIFIED, '已与物业核对巡逻记录'],
  ['volunteers@demo.cn', '江畔家园居民志愿服务队', '江畔家园公租房社区', 34, '10:30', '12:00', '为12位独居老人送午餐', VERIFIED],
  ['volunteers@demo.cn', '江畔家园居民志愿服务队', '江畔家园公租房社区', 20, '08:30', '11:30', '小区绿化带垃圾清理，志愿者6人', VERIFIED],
  ['volunteers@demo.cn', '江畔家园居民志愿服务队', '江畔家园公租房社区', 6, '19:00', '21:00', '夜间楼道巡逻（9-16号楼）', PENDING],
  ['library@demo.cn', '浦江镇图书馆江畔分馆', '江畔家园公租房社区', 27, '14:00', '16:00', '亲子绘本共读《小蓝和小黄》，到场家庭14户', VERIFIED],
  ['library@demo.cn', '浦江镇图书馆江畔分馆', '江畔家园公租房社区', 13, '14:00', '16:00', '老年人智能手机借阅App教学', PENDING],
  ['legal@demo.cn', '阳光法律援助服务社', '梅园新村', 30, '09:00', '11:30', '租赁合同纠纷咨询5人次', VERIFIED, '咨询登记表已存档'],
  ['legal@demo.cn', '阳光法律援助服务社', '江畔家园公租房社区', 16, '19:00', '21:00', '劳动仲裁流程讲座', VERIFIED],
  ['fuyou@demo.cn', '浦江镇妇幼保健站', '江畔家园公租房社区', 9, '09:00', '11:30', '0-3岁婴幼儿生长发育评估义诊', PENDING],
  [NURSE, '浦江镇妇幼保健站', '江畔家园公租房社区', 23, '09:00', '11:00', '孕期营养讲座，到场孕妈妈11人', VERIFIED],
  [NURSE, '浦江镇妇幼保健站', '江畔家园公租房社区', 9, '09:00', '11:30', '婴幼儿生长发育评估义诊（测量登记）', PENDING],
  ['resident@demo.cn', null, '江畔家园公租房社区', 18, '15:00', '18:00', '整理社区图书角', REJECTED, '签到表显示17:00离开，请按实际时间重新登记'],
  ['resident@demo.cn', null, '江畔家园公租房社区', 18, '15:00', '17:00', '整理社区图书角，上架捐赠图书约200册', VERIFIED],
  ['resident@demo.cn', null, '金桥动迁安置社区', 4, '18:30', '20:00', '协助就业指导室布置招聘会场', PENDING],
];

/**
 * Demo service logs of the last six weeks: a resident volunteer team, departments and a charity,
 * verified by the community's secretary, some still pending, one rejected and logged again; a
 * department's nurse without an e-mail, whose hours its owner logged.
 */
export async function seedServiceHours(tx: EntityManager, secretaryOf: Map<string, string>): Promise<void> {
  // Staff without e-mail (issue #16): the health station's nurse, whose hours its owner logs.
  const station = await tx.findOneByOrFail(Partner, { name: '浦江镇妇幼保健站' });
  const nurse = await tx.save(tx.create(User, { email: null, passwordHash: null, displayName: NURSE, isAdmin: false, managedByPartnerId: station.id }));
  await tx.insert(PartnerMember, { partnerId: station.id, userId: nurse.id, role: PartnerRole.MEMBER });
  for (const [email, partnerName, communityName, daysAgo, from, to, description, fate, note] of LOGS) {
    const managed = email === NURSE;
    const volunteer = managed ? nurse : await tx.findOneByOrFail(User, { email });
    const loggedBy = managed ? (await tx.findOneByOrFail(User, { email: 'fuyou@demo.cn' })).id : null;
    const partner = partnerName ? await tx.findOneByOrFail(Partner, { name: partnerName }) : null;
    const [{ id: communityId, timezone }] = await tx.query(`SELECT id, timezone FROM community WHERE name = $1`, [communityName]);
    const day = DateTime.fromJSDate(clockNow()).setZone(timezone).startOf('day').minus({ days: daysAgo });
    const at = (time: string) => day.set({ hour: Number(time.slice(0, 2)), minute: Number(time.slice(3)) }).toJSDate();
    const [startedAt, endedAt] = [at(from), at(to)];
    const log = await tx.save(
      tx.create(ServiceLog, {
        communityId,
        volunteerId: volunteer.id,
        loggedById: loggedBy,
        partnerId: partner?.id ?? null,
        matchId: null,
        contractId: null,
        startedAt,
        endedAt,
        minutes: Math.floor((endedAt.getTime() - startedAt.getTime()) / 60_000),
        description,
        status: PENDING,
        verifiedById: null,
        verifiedAt: null,
      }),
    );
    await serviceLogLifecycle.created(tx, log, { by: loggedBy ?? volunteer.id, communityId });
    if (fate !== PENDING) {
      const by = secretaryOf.get(communityName)!;
      await serviceLogLifecycle.apply(tx, log, fate, { by, note: note ?? null, communityId }, { verifiedById: by, verifiedAt: clockNow() });
    }
  }
}
