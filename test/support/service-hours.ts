import { nowMs } from '../../src/common/clock';
import type { TestApp } from './app';
import { joinPartner } from './fixtures';

/** Builders for service-hour tests, on top of the public API. */
export const LOG_SERVICE = `mutation($i: LogServiceInput!) {
  logService(input: $i) { id status minutes startedAt endedAt description volunteer { id } partner { id } community { id } verifiedBy { id } verifiedAt }
}`;
export const VERIFY = `mutation($id: ID!, $d: ReviewDecision!, $n: String) {
  verifyServiceLog(id: $id, decision: $d, note: $n) { id status verifiedBy { id } verifiedAt history { from to note by { id } } }
}`;
export const VERIFY_MANY = `mutation($ids: [ID!]!, $d: ReviewDecision!, $n: String) {
  verifyServiceLogs(ids: $ids, decision: $d, note: $n) { id status verifiedBy { id } }
}`;

const MINUTE = 60_000;

/** A minute-aligned instant `minutes` before now. */
export function minutesAgo(minutes: number, now = nowMs()): Date {
  return new Date(Math.floor(now / MINUTE) * MINUTE - minutes * MINUTE);
}

export const iso = (d: Date) => d.toISOString();

export interface LogArgs {
  communityId: string;
  partnerId?: string;
  start: Date;
  minutes: number;
  description?: string;
}

export async function logService(app: TestApp, token: string, a: LogArgs) {
  return app.gql(
    LOG_SERVICE,
    {
      i: {
        communityId: a.communityId,
        partnerId: a.partnerId ?? null,
        startedAt: iso(a.start),
        endedAt: iso(new Date(a.start.getTime() + a.minutes * MINUTE)),
        description: a.description ?? '社区志愿服务',
      },
    },
    token,
  );
}

/** Logs service and fails loudly if refused; returns the log's id. */
export async function loggedService(app: TestApp, token: string, a: LogArgs): Promise<string> {
  const res = await logService(app, token, a);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.logService.id as string;
}

export async function decide(app: TestApp, token: string, id: string, decision: 'APPROVE' | 'REJECT' = 'APPROVE') {
  const res = await app.gql(VERIFY, { id, d: decision }, token);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.verifyServiceLog;
}

/** Makes an existing user a member of a partner: its owner invites, the user accepts. */
export async function addMember(app: TestApp, ownerToken: string, partnerId: string, member: { email: string; token: string }) {
  await joinPartner(app, ownerToken, partnerId, member);
}
