import { DateTime } from 'luxon';
import { now, nowMs } from '../../src/common/clock';
import type { TestApp } from './app';
import { activePartner, communityWithSecretary, createRoom, type Account } from './fixtures';

/** Builders for the space-sharing tests. */
export type Slot = { weekday: string; startTime: string; endTime: string };
export const slot = (weekday: string, startTime: string, endTime: string): Slot => ({ weekday, startTime, endTime });
export const EVERY_DAY = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];

export const BOOK = `mutation($i: BookSlotInput!) { bookSlot(input: $i) { id start end status purpose partner { id } contract { id } room { id } } }`;
export const CANCEL = `mutation($id: ID!, $r: String!) { cancelBooking(id: $id, reason: $r) { id status history { from to note } } }`;
export const PROPOSE = `mutation($i: ProposeContractInput!) { proposeContract(input: $i) { id status startsOn endsOn weeklySlots { weekday startTime endTime } } }`;
export const REVIEW = `mutation($id: ID!, $d: ReviewDecision!, $n: String, $s: Boolean) {
  reviewContract(id: $id, decision: $d, note: $n, skipConflicts: $s) { id status history { from to note } } }`;
export const TERMINATE = `mutation($id: ID!, $r: String!, $on: LocalDate) { terminateContract(id: $id, reason: $r, effectiveOn: $on) { id status terminatedOn } }`;
export const AVAILABILITY = `query($id: ID!, $from: DateTime!, $to: DateTime!) { room(id: $id) { availability(from: $from, to: $to) { start end available } } }`;

/** A community (in `timezone`) with a secretary, a room with `slots`, and a MERCHANT partner with an ACTIVE partnership. */
export async function spaceSetup(app: TestApp, slots: Slot[], timezone = 'Asia/Shanghai') {
  const { communityId, secretary } = await communityWithSecretary(app, { timezone });
  const roomId = await createRoom(app, secretary.token, communityId, slots);
  const { owner, partnerId, partnershipId } = await activePartner(app, communityId, secretary, 'MERCHANT');
  return { communityId, secretary, roomId, owner, partnerId, partnershipId };
}

export async function occurrences(app: TestApp, roomId: string, from: Date, days: number): Promise<{ start: string; end: string; available: boolean }[]> {
  const res = await app.gql(AVAILABILITY, { id: roomId, from: from.toISOString(), to: new Date(from.getTime() + days * 86_400_000).toISOString() });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.room.availability;
}

/** The first occurrence starting at least an hour from now. */
export async function nextOccurrence(app: TestApp, roomId: string, skip = 0) {
  const list = await occurrences(app, roomId, new Date(nowMs() + 3_600_000), 30);
  return list[skip];
}

export async function book(app: TestApp, who: Account, input: Record<string, unknown>) {
  const res = await app.gql(BOOK, { i: { purpose: '亲子绘本课', ...input } }, who.token);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.bookSlot as { id: string; start: string; end: string };
}

/** Today's date in `zone`, plus `days`. */
export const localDate = (zone: string, days = 0) => DateTime.fromJSDate(now(), { zone }).plus({ days }).toISODate()!;

export async function propose(app: TestApp, who: Account, input: Record<string, unknown>) {
  const res = await app.gql(PROPOSE, { i: { title: '公益英语绘本课', publicBenefitCommitment: '每月两次免费绘本课，面向社区儿童', sessionsPerMonth: 2, ...input } }, who.token);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.proposeContract.id as string;
}
