import { now as clockNow } from '../common/clock';
import { DateTime } from 'luxon';
import type { EntityManager } from 'typeorm';
import { localToday, occurrencesBetween, occurrencesOnDates } from '../common/slots';
import type { Community } from '../communities/community.entity';
import { Room, Weekday, type WeeklySlot } from '../communities/room.entity';
import { Partner } from '../partners/partner.entity';
import { Booking, BookingPurpose, BookingStatus } from './booking.entity';
import { bookingLifecycle } from './booking.lifecycle';
import { msg } from '../i18n/messages';
import { insertContractBookings } from './bookings.service';
import { contractLifecycle } from './contract.lifecycle';
import { ContractStatus, purposeOfSlot, SpaceContract } from './space-contract.entity';

/**
 * Demo space sharing in 江畔家园: an ACTIVE half-year contract (小橡树's Saturday picture-book class),
 * a PENDING_REVIEW one-year contract (闲云茶馆's tea party) with one conflicting date for the
 * secretary to resolve, and a few single bookings. Runs inside seedDemo's transaction.
 */
export async function seedSpaces(tx: EntityManager, community: Community, userIdByEmail: (email: string) => string): Promise<void> {
  const zone = community.timezone;
  const today = localToday(zone);
  const secretary = userIdByEmail('secretary.jiangpan@demo.cn');
  const room = (name: string) => tx.findOneByOrFail(Room, { communityId: community.id, name });
  const partner = (name: string) => tx.findOneByOrFail(Partner, { name });
  const plus = (days: number) => DateTime.fromISO(today).plus({ days }).toISODate()!;

  const contract = async (p: Partner, r: Room, by: string, fields: Partial<SpaceContract> & { weeklySlots: WeeklySlot[]; startsOn: string; endsOn: string }) => {
    const c = await tx.save(
      tx.create(SpaceContract, {
        communityId: community.id,
        roomId: r.id,
        partnerId: p.id,
        status: ContractStatus.PENDING_REVIEW,
        proposedBy: by,
        terminatedOn: null,
        ownUseSlots: [],
        endsAt: DateTime.fromISO(fields.endsOn, { zone }).plus({ days: 1 }).startOf('day').toJSDate(),
        ...fields,
      }),
    );
    await contractLifecycle.created(tx, c, { by, communityId: community.id });
    return c;
  };
  const single = async (r: Room, p: Partner | null, by: string, purpose: string, weekday: Weekday, startTime: string, weeksAhead = 0) => {
    const now = clockNow();
    const occurrence = occurrencesBetween(r.weeklySlots.filter((s) => s.weekday === weekday && s.startTime === startTime), zone, now, new Date(now.getTime() + 60 * 86_400_000))[weeksAhead];
    const b = await tx.save(
      tx.create(Booking, {
        communityId: community.id,
        roomId: r.id,
        partnerId: p?.id ?? null,
        contractId: null,
        startAt: occurrence.start,
        endAt: occurrence.end,
        purpose,
        kind: BookingPurpose.OWN_USE,
        status: BookingStatus.CONFIRMED,
        createdBy: by,
        cancelledAt: null,
        cancelReason: null,
      }),
    );
    await bookingLifecycle.created(tx, b, { by, communityId: community.id });
    return b;
  };

  const english = await partner('小橡树少儿英语');
  const kids = await room('儿童之家');
  const ownerEnglish = userIdByEmail('english@demo.cn');
  const picture = await contract(english, kids, ownerEnglish, {
    title: '周六公益英语绘本课',
    publicBenefitCommitment: '每月两次面向社区 4-8 岁儿童的免费英语绘本课，每次不少于 15 个名额，公租房家庭优先。',
    sessionsPerMonth: 2,
    // Saturday mornings are the free picture-book class; Saturday afternoons the school's own small classes.
    weeklySlots: [
      { weekday: Weekday.SATURDAY, startTime: '09:00', endTime: '11:30' },
      { weekday: Weekday.SATURDAY, startTime: '14:00', endTime: '16:30' },
    ],
    ownUseSlots: [{ weekday: Weekday.SATURDAY, startTime: '14:00', endTime: '16:30' }],
    startsOn: today,
    endsOn: plus(181),
  });
  const future = occurrencesOnDates(picture.weeklySlots, zone, picture.startsOn, picture.endsOn).filter((o) => o.start > clockNow());
  await insertContractBookings(tx, picture, future.map((o) => ({ ...o, kind: purposeOfSlot(picture, o.slot) })), secretary, msg('history.bookedByApproval'));
  await contractLifecycle.apply(tx, picture, ContractStatus.ACTIVE, { by: secretary, note: '同意，请按时开展公益课并登记服务时长', communityId: community.id });

  const tea = await partner('闲云茶馆');
  const elders = await room('老年活动室');
  const volunteers = await partner('江畔家园居民志愿服务队');
  // Books one Wednesday evening the tea-house contract below asks for: its review shows the conflict.
  await single(elders, volunteers, userIdByEmail('volunteers@demo.cn'), '志愿者月度例会', Weekday.WEDNESDAY, '19:00', 2);
  await contract(tea, elders, userIdByEmail('tea@demo.cn'), {
    title: '银龄公益茶话会',
    publicBenefitCommitment: '每月一次为社区 60 岁以上老人举办免费茶话会，提供茶点并邀请社区医生做健康讲座。',
    sessionsPerMonth: 1,
    weeklySlots: [{ weekday: Weekday.WEDNESDAY, startTime: '19:00', endTime: '21:00' }],
    startsOn: plus(1),
    endsOn: plus(365),
  });

  await single(await room('一楼议事会议室'), null, secretary, '居民议事会：加装电梯意见征集', Weekday.MONDAY, '19:00');
  await single(await room('法律服务室'), await partner('阳光法律援助服务社'), userIdByEmail('legal@demo.cn'), '免费法律咨询：租赁合同答疑', Weekday.WEDNESDAY, '19:00');
}
