import { DateTime } from 'luxon';
import { now, nowMs } from '../../src/common/clock';
import type { TestApp } from './app';
import { activePartner, communityWithSecretary, createRoom, type Account } from './fixtures';

/** Builders for the space-sharing tests. */
export type Slot = { weekday: string; startTime: string; endTime: string };
export const slot = (weekday: string, startTime: string, endTime: string): Slot => ({ weekday, startTime, endTime });
export const EVERY_DAY = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];

import { BOOK_SLOT as BOOK, CANCEL_BOOKING as CANCEL, PROPOSE_CONTRACT as PROPOSE, REVIEW_CONTRACT as REVIEW, TERMINATE_CONTRACT as TERMINATE } from './documents';
export { BOOK, CANCEL, PROPOSE, REVIEW, TERMINATE };
export const AVAILABILITY = `query($id: ID!, $from: DateTime!, $to: DateTime!) { room(id: $id) { availability(from: $from, to: $to) { start end available } } }`;

/** A community (in `timezone`) with a secretary, a room with `slots`, and a MERCHANT partner with an ACTIVE partnership. */
export async function spaceSetup(app: TestApp, slots: Slot[], timezone = 'Asia/Shanghai') {
  const { communityId, secretary } = await communityWithSecretary(app, { timezone });
  const roomId = await createRoom(app, secretary.token, communityId, slots);
  const { owner, partnerId, partnershipId } = await activePartner(app, communityId, secretary, 'MERCHANT');
  return { communityId, secretary, roomId, owner, partnerId, partnershipId };
}

export async function occurrences(app: TestApp, roomId: string, from: Date, days: number): Promise<{ start: string; end: string; available: boolean }[]> {
  const res = await app.gqlOk(AVAILABILITY, { id: roomId, from: from.toISOString(), to: new Date(from.getTime() + days * 86_400_000).toISOString() });
  return res.room.availability;
}

/** The first occurrence starting at least an hour from now. */
export async function nextOccurrence(app: TestApp, roomId: string, skip = 0) {
  const list = await occurrences(app, roomId, new Date(nowMs() + 3_600_000), 30);
  return list[skip];
}

export async function book(app: TestApp, who: Account, input: Record<string, unknown>) {
  const res = await app.gqlOk(BOOK, { i: { purpose: '亲子绘本课', ...input } }, who.token);
  return res.bookSlot as { id: string; start: string; end: string };
}

/** Today's date in `zone`, plus `days`. */
export const localDate = (zone: string, days = 0) => DateTime.fromJSDate(now(), { zone }).plus({ days }).toISODate()!;

export async function propose(app: TestApp, who: Account, input: Record<string, unknown>) {
  const res = await app.gqlOk(PROPOSE, { i: { title: '公益英语绘本课', publicBenefitCommitment: '每月两次免费绘本课，面向社区儿童', sessionsPerMonth: 2, ...input } }, who.token);
  return res.proposeContract.id as string;
}
