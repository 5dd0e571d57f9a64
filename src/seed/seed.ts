import type { DataSource, EntityManager } from 'typeorm';
import { hashPassword } from '../auth/passwords';
import type { Config } from '../config';
import { Community, CommunitySecretary } from '../communities/community.entity';
import { Room, Weekday, type WeeklySlot } from '../communities/room.entity';
import { withoutHooks } from '../common/state-machine';
import { inTransaction } from '../db/transaction';
import { seedDemand } from '../demand/demand.seed';
import { seedDomainNotifications, seedNotifications } from '../live/seed-notifications';
import { Partner, PartnerCategory, PartnerMember, PartnerRole, Partnership, PartnershipStatus } from '../partners/partner.entity';
import { partnershipLifecycle } from '../partners/partnership.lifecycle';
import { newCalendarToken } from '../partners/partners.service';
import { seedResidents } from '../residents/residents.seed';
import { seedProjects } from '../projects/projects.seed';
import { seedRatings } from '../ratings/ratings.seed';
import { seedAgendas } from '../agendas/agendas.seed';
import { seedServiceHours } from '../service-hours/service-hours.seed';
import { seedSpaces } from '../spaces/spaces.seed';
import { User } from '../users/user.entity';

/** The password of every demo account (README lists the accounts). */
export const DEMO_PASSWORD = 'demo2026';

export interface DemoAccount {
  email: string;
  displayName: string;
  role: string;
}

export async function isDatabaseEmpty(db: DataSource): Promise<boolean> {
  return (await db.getRepository(Community).count()) === 0;
}

const { MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY } = Weekday;
const slot = (weekday: Weekday, startTime: string, endTime: string): WeeklySlot => ({ weekday, startTime, endTime });
const EVENINGS = [MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY].map((d) => slot(d, '19:00', '21:00'));
const WEEKENDS = [SATURDAY, SUNDAY].flatMap((d) => [slot(d, '09:00', '11:30'), slot(d, '14:00', '16:30')]);
const AFTER_SCHOOL = [MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY].map((d) => slot(d, '16:30', '18:00'));

/** The 16 service spaces of a large public-rental housing community's service centre. */
const RENTAL_ROOMS: [string, number, string[], WeeklySlot[]][] = [
  ['党群服务中心多功能厅', 120, ['投影仪', '音响', '舞台'], [...EVENINGS, ...WEEKENDS]],
  ['一楼议事会议室', 20, ['投影仪', '白板'], EVENINGS],
  ['儿童之家', 30, ['绘本角', '地垫'], [...AFTER_SCHOOL, ...WEEKENDS]],
  ['四点半课堂', 25, ['课桌椅', '白板'], AFTER_SCHOOL],
  ['老年活动室', 40, ['棋牌桌', '茶水'], [...EVENINGS, ...WEEKENDS]],
  ['图书阅览室', 30, ['书架', '阅读灯'], [...EVENINGS, ...WEEKENDS]],
  ['舞蹈排练室', 25, ['镜墙', '把杆', '音响'], [...EVENINGS, ...WEEKENDS]],
  ['共享厨房', 12, ['灶台', '烤箱', '冰箱'], WEEKENDS],
  ['健身房', 15, ['跑步机', '哑铃'], [...EVENINGS, ...WEEKENDS]],
  ['心理咨询室', 4, ['隔音', '沙盘'], EVENINGS],
  ['法律服务室', 6, ['打印机'], [slot(WEDNESDAY, '19:00', '21:00'), slot(SATURDAY, '09:00', '11:30')]],
  ['母婴室', 4, ['哺乳椅', '尿布台'], WEEKENDS],
  ['书画室', 20, ['书画桌', '笔墨'], WEEKENDS],
  ['棋牌室', 16, ['棋牌桌'], [...EVENINGS, ...WEEKENDS]],
  ['手工坊', 16, ['缝纫机', '工具墙'], WEEKENDS],
  ['志愿者之家', 12, ['储物柜', '会议桌'], [...EVENINGS, ...WEEKENDS]],
];

const PEOPLE: [string, string, string][] = [
  ['secretary.jiangpan@demo.cn', '王秀英（江畔家园社区书记）', 'secretary of 江畔家园公租房社区'],
  ['secretary.meiyuan@demo.cn', '李建国（梅园新村居委书记）', 'secretary of 梅园新村'],
  ['secretary.jinqiao@demo.cn', '陈静（金桥安置社区书记）', 'secretary of 金桥动迁安置社区'],
  ['wuye@demo.cn', '张伟（绿城物业项目经理）', 'owner of 绿城物业江畔项目部 (PROPERTY_FIRM)'],
  ['library@demo.cn', '刘洋（街道图书馆分馆）', 'owner of 浦江镇图书馆江畔分馆 (DEPARTMENT)'],
  ['fuyou@demo.cn', '赵敏（妇幼保健站）', 'owner of 浦江镇妇幼保健站 (DEPARTMENT)'],
  ['legal@demo.cn', '孙律师（法律援助中心）', 'owner of 阳光法律援助服务社 (CHARITY)'],
  ['english@demo.cn', '周老师（少儿英语）', 'owner of 小橡树少儿英语 (MERCHANT)'],
  ['tea@demo.cn', '吴掌柜（茶馆）', 'owner of 闲云茶馆 (MERCHANT)'],
  ['volunteers@demo.cn', '郑大爷（居民志愿服务队）', 'owner of 江畔家园居民志愿服务队 (RESIDENT_GROUP)'],
  ['resident@demo.cn', '居民小林', 'a resident of 江畔家园 (3号楼), with requests; volunteers alone as a reading partner (an approved wish)'],
  ['resident.zhou@demo.cn', '周阿姨（江畔家园5号楼）', 'a resident of 江畔家园, with requests'],
  ['resident.chen@demo.cn', '陈先生（江畔家园7号楼）', 'a resident of 江畔家园, with requests'],
];

const PARTNERS: [string, PartnerCategory, string, string][] = [
  ['绿城物业江畔项目部', PartnerCategory.PROPERTY_FIRM, '负责江畔家园物业管理，可提供维修、保洁和场地协调支持。', 'wuye@demo.cn'],
  ['浦江镇图书馆江畔分馆', PartnerCategory.DEPARTMENT, '提供图书流通、亲子阅读和数字阅读服务。', 'library@demo.cn'],
  ['浦江镇妇幼保健站', PartnerCategory.DEPARTMENT, '孕产妇与儿童健康咨询、育儿讲座。', 'fuyou@demo.cn'],
  ['阳光法律援助服务社', PartnerCategory.CHARITY, '免费法律咨询、劳动纠纷与租赁合同指导。', 'legal@demo.cn'],
  ['小橡树少儿英语', PartnerCategory.MERCHANT, '少儿英语培训机构，承诺每月开展公益英语绘本课。', 'english@demo.cn'],
  ['闲云茶馆', PartnerCategory.MERCHANT, '社区茶馆，承诺每月为老人举办公益茶话会。', 'tea@demo.cn'],
  ['江畔家园居民志愿服务队', PartnerCategory.RESIDENT_GROUP, '居民自发组成的志愿服务队，巡逻、助老、环境整治。', 'volunteers@demo.cn'],
];

/**
 * Loads the demo: a large public-rental housing community with 16 service spaces, an older
 * residential district and a resettlement community; partners of every category; secretaries and
 * partner owners. Returns the accounts it created (all with DEMO_PASSWORD).
 */
export async function seedDemo(db: DataSource, config: Config): Promise<DemoAccount[]> {
  const passwordHash = await hashPassword(DEMO_PASSWORD, config.bcryptRounds);
  // The seed writes the demo inbox itself (seed-notifications.ts): the lifecycles' hooks stay out.
  return inTransaction(db, (tx) => withoutHooks(tx, async () => {
    const admin = await tx.findOneByOrFail(User, { email: config.adminEmail });
    const users = new Map<string, User>();
    for (const [email, displayName] of PEOPLE) {
      users.set(email, await tx.save(tx.create(User, { email, displayName, passwordHash, isAdmin: false })));
    }
    const [jiangpan, meiyuan, jinqiao] = await Promise.all(
      [
        ['江畔家园公租房社区', '上海市闵行区浦江镇'],
        ['梅园新村', '上海市黄浦区老西门街道'],
        ['金桥动迁安置社区', '上海市浦东新区金桥镇'],
      ].map(([name, district]) => tx.save(tx.create(Community, { name, district, timezone: 'Asia/Shanghai' }))),
    );
    const secretaries: [Community, string][] = [
      [jiangpan, 'secretary.jiangpan@demo.cn'],
      [meiyuan, 'secretary.meiyuan@demo.cn'],
      [jinqiao, 'secretary.jinqiao@demo.cn'],
    ];
    for (const [community, email] of secretaries) {
      await tx.insert(CommunitySecretary, { communityId: community.id, userId: users.get(email)!.id, appointedBy: admin.id });
    }
    for (const [name, capacity, features, weeklySlots] of RENTAL_ROOMS) {
      await tx.save(tx.create(Room, { communityId: jiangpan.id, name, capacity, features, weeklySlots }));
    }
    await tx.save(tx.create(Room, { communityId: meiyuan.id, name: '居委会活动室', capacity: 30, features: ['茶水', '空调'], weeklySlots: [...EVENINGS, ...WEEKENDS] }));
    await tx.save(tx.create(Room, { communityId: meiyuan.id, name: '睦邻点客堂间', capacity: 12, features: ['老式八仙桌'], weeklySlots: WEEKENDS }));
    await tx.save(tx.create(Room, { communityId: jinqiao.id, name: '安置社区会客厅', capacity: 60, features: ['投影仪', '音响'], weeklySlots: [...EVENINGS, ...WEEKENDS] }));
    await tx.save(tx.create(Room, { communityId: jinqiao.id, name: '就业指导室', capacity: 10, features: ['电脑'], weeklySlots: EVENINGS }));

    const secretaryOf = (c: Community) => users.get(secretaries.find(([s]) => s === c)![1])!.id;
    for (const [name, category, description, ownerEmail] of PARTNERS) {
      const partner = await tx.save(tx.create(Partner, { name, category, description, calendarToken: newCalendarToken() }));
      const owner = users.get(ownerEmail)!;
      await tx.insert(PartnerMember, { partnerId: partner.id, userId: owner.id, role: PartnerRole.OWNER });
      const communities = name === '阳光法律援助服务社' ? [jiangpan, meiyuan, jinqiao] : name === '闲云茶馆' ? [jiangpan, meiyuan] : [jiangpan];
      for (const community of communities) await activePartnership(tx, partner, community, owner.id, secretaryOf(community));
    }
    // One request left for a secretary to review.
    const library = await tx.findOneByOrFail(Partner, { name: '浦江镇图书馆江畔分馆' });
    const pending = await tx.save(tx.create(Partnership, { partnerId: library.id, communityId: jinqiao.id, status: PartnershipStatus.PENDING }));
    await partnershipLifecycle.created(tx, pending, { by: users.get('library@demo.cn')!.id, communityId: jinqiao.id });
    await seedNotifications(tx);
    await seedSpaces(tx, jiangpan, (email) => users.get(email)!.id);

    await seedDemand(tx);
    await seedResidents(tx);
    await seedProjects(tx);
    await seedRatings(tx);
    await seedAgendas(tx);
    await seedServiceHours(tx, new Map(secretaries.map(([c, email]) => [c.name, users.get(email)!.id])));
    await seedDomainNotifications(tx);

    return PEOPLE.map(([email, displayName, role]) => ({ email, displayName, role }));
  }));
}

async function activePartnership(tx: EntityManager, partner: Partner, community: Community, requestedBy: string, approvedBy: string) {
  const partnership = await tx.save(tx.create(Partnership, { partnerId: partner.id, communityId: community.id, status: PartnershipStatus.PENDING }));
  await partnershipLifecycle.created(tx, partnership, { by: requestedBy, communityId: community.id });
  await partnershipLifecycle.apply(tx, partnership, PartnershipStatus.ACTIVE, { by: approvedBy, communityId: community.id, note: '欢迎加入社区合伙人' });
}
