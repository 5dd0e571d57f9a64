import { nowMs } from '../../src/common/clock';
import { ok, type TestApp } from './app';
import { joinPartner } from './fixtures';

/** Builders for service-hour tests, on top of the public API (documents: support/documents.ts). */
import { LOG_SERVICE, VERIFY_SERVICE_LOG as VERIFY, VERIFY_SERVICE_LOGS as VERIFY_MANY } from './documents';
export { LOG_SERVICE, VERIFY, VERIFY_MANY };

const MINUTE = 60_000;

/** A minute-aligned instant `minutes` before now. */
export function minutesAgo(minutes: number, now = nowMs()): Date {
  return new Date(Math.floor(now / MINUTE) * MINUTE - minutes * MINUTE);
}

export const iso = (d: Date) => d.toISOString();

/** A serviceHoursSummary bucket as the API answers it. */
export interface SummaryBucket {
  key: string;
  label: string;
  verifiedMinutes: number;
  pendingMinutes: number;
  logCount: number;
}

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
  return ok(await logService(app, token, a)).logService.id as string;
}

export async function decide(app: TestApp, token: string, id: string, decision: 'APPROVE' | 'REJECT' = 'APPROVE') {
  const res = await app.gqlOk(VERIFY, { id, d: decision }, token);
  return res.verifyServiceLog;
}

/** Makes an existing user a member of a partner: its owner invites, the user accepts. */
export async function addMember(app: TestApp, ownerToken: string, partnerId: string, member: { email: string; token: string }) {
  await joinPartner(app, ownerToken, partnerId, member);
}
