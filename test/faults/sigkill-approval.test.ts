import { DateTime } from 'luxon';
import { Client } from 'pg';
import { count, startTestApp, type TestApp } from '../support/app';
import { createRoom } from '../support/fixtures';
import { post, ready, spawnMain, type MainProcess } from '../support/main-process';
import { localDate, propose, REVIEW, slot, spaceSetup } from '../support/spaces';
import { pause, writeReport } from '../support/faults';

/**
 * The real server (src/main.ts) killed with SIGKILL while it approves a contract (one transaction
 * books 156 weekly occurrences, writes their history and the contract's): afterwards the contract is
 * either wholly approved (ACTIVE, 156 bookings, 156 + 1 history rows) or untouched (PENDING_REVIEW,
 * nothing booked, no history of approval), and a new process approves the untouched ones.
 * Figures: test-artifacts/faults/sigkill-approval.json (docs/faults.md).
 */
jest.setTimeout(300_000);

const SH = 'Asia/Shanghai';
const THREE = [slot('TUESDAY', '19:00', '21:00'), slot('THURSDAY', '19:00', '21:00'), slot('SATURDAY', '09:00', '11:30')];
const JWT_SECRET = 'test-jwt-secret'; // the in-process app's, so its tokens work on the killed servers

let app: TestApp;
const started: MainProcess[] = [];
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  for (const s of started) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  await Promise.all(started.map((s) => s.exited));
  await app.close();
});

async function startServer(): Promise<MainProcess> {
  const server = await spawnMain({ DATABASE_URL: app.databaseUrl, JWT_SECRET, DB_POOL_SIZE: '4', LOG_LEVEL: 'error' });
  started.push(server);
  await ready(server, 150_000);
  return server;
}

/** What the database holds of the contract: its status, its bookings, and the history of both. */
async function stateOf(id: string) {
  const [{ status }] = await app.db.query(`SELECT status FROM space_contract WHERE id = $1`, [id]);
  return {
    status: status as string,
    bookings: await count(app.db, 'booking', `contract_id = $1`, [id]),
    bookingHistory: await count(app.db, 'status_change', `object_type = 'BOOKING' AND object_id IN (SELECT id FROM booking WHERE contract_id = $1)`, [id]),
    approvalHistory: await count(app.db, 'status_change', `object_id = $1 AND to_status = 'ACTIVE'`, [id]),
  };
}

const APPROVED = { status: 'ACTIVE', bookings: 156, bookingHistory: 156, approvalHistory: 1 };
const UNTOUCHED = { status: 'PENDING_REVIEW', bookings: 0, bookingHistory: 0, approvalHistory: 0 };

/** What the server's connections were doing in this database when it was killed. */
async function backendsOf(watch: Client, database: string) {
  const { rows } = await watch.query(
    `SELECT state, xact_start IS NOT NULL AS in_transaction, left(query, 60) AS query FROM pg_stat_activity
      WHERE datname = $1 AND application_name = 'marketplace' AND pid <> pg_backend_pid()`,
    [database],
  );
  return rows as { state: string; in_transaction: boolean; query: string }[];
}

/**
 * When to kill, relative to the approval request: while the approval waits for the room (the test
 * holds it: certainly inside the transaction), as soon as its booking insert shows in
 * pg_stat_activity, after a fixed delay, or as soon as the approval is committed (before or while
 * the answer is written).
 */
type Moment = { kind: 'roomLocked' } | { kind: 'bookingInsertSeen' } | { kind: 'committed' } | { kind: 'delay'; ms: number };
const MOMENTS: Moment[] = [{ kind: 'roomLocked' }, { kind: 'bookingInsertSeen' }, { kind: 'delay', ms: 250 }, { kind: 'committed' }];

it('leaves each contract wholly approved or untouched, whenever the process dies; a new process approves the rest', async () => {
  const s = await spaceSetup(app, THREE);
  const startsOn = localDate(SH, 1);
  const endsOn = DateTime.fromISO(startsOn).plus({ weeks: 52, days: -1 }).toISODate()!;
  // One room per contract: the contracts never compete for an occurrence.
  const contracts: { id: string; roomId: string }[] = [];
  for (const _ of MOMENTS) {
    const roomId = await createRoom(app, s.secretary.token, s.communityId, THREE);
    contracts.push({ id: await propose(app, s.owner, { partnerId: s.partnerId, roomId, weeklySlots: THREE, startsOn, endsOn }), roomId });
  }
  const database = new URL(app.databaseUrl).pathname.slice(1);
  const watch = new Client({ connectionString: app.databaseUrl });
  await watch.connect();
  const auth = { authorization: `Bearer ${s.secretary.token}` };
  const rounds: Record<string, unknown>[] = [];
  try {
    for (const [i, moment] of MOMENTS.entries()) {
      const { id, roomId } = contracts[i];
      expect(await stateOf(id)).toEqual(UNTOUCHED);
      const server = await startServer();
      const holder = moment.kind === 'roomLocked' ? new Client({ connectionString: app.databaseUrl }) : null;
      if (holder) {
        await holder.connect();
        await holder.query('BEGIN');
        await holder.query(`SELECT 1 FROM room WHERE id = $1 FOR UPDATE`, [roomId]);
      }
      let answered: number | null = null;
      const sent = performance.now();
      void post(server.url, REVIEW, { id, d: 'APPROVE', n: 'kill test' }, auth).then(
        (res) => (answered = res.status),
        () => undefined,
      );
      let seen: Awaited<ReturnType<typeof backendsOf>> = [];
      if (moment.kind === 'delay') await pause(moment.ms);
      else {
        const deadline = performance.now() + 20_000;
        for (;;) {
          seen = await backendsOf(watch, database);
          const hit =
            moment.kind === 'roomLocked'
              ? seen.some((b) => b.in_transaction && /FROM room WHERE id = \$1 FOR SHARE/.test(b.query))
              : moment.kind === 'bookingInsertSeen'
                ? seen.some((b) => b.in_transaction && /INSERT INTO "?booking/i.test(b.query))
                : (await watch.query(`SELECT status FROM space_contract WHERE id = $1`, [id])).rows[0].status === 'ACTIVE';
          if (hit || answered !== null || performance.now() > deadline) break;
        }
      }
      server.child.kill('SIGKILL');
      const killedAfterMs = Math.round(performance.now() - sent);
      expect(await server.exited).toBe('SIGKILL');
      if (holder) {
        await holder.query('ROLLBACK');
        await holder.end();
      }
      // PostgreSQL notices the dead client's connections and rolls back what they had begun.
      const deadline = performance.now() + 20_000;
      while ((await backendsOf(watch, database)).length && performance.now() < deadline) await pause(50);
      const after = await stateOf(id);
      rounds.push({ moment, killedAfterMs, answeredBeforeKill: answered, inTransactionAtKill: seen.some((b) => b.in_transaction), outcome: after.status === 'ACTIVE' ? 'approved' : 'untouched', after });
      // All or nothing.
      expect([APPROVED, UNTOUCHED]).toContainEqual(after);
      // Killed while it waited for the room, inside its transaction: nothing of it remains.
      if (moment.kind === 'roomLocked') {
        expect(seen.some((b) => b.in_transaction)).toBe(true);
        expect(after).toEqual(UNTOUCHED);
      }
      // Killed once the commit was seen: all of it stays, though no answer may have reached the client.
      if (moment.kind === 'committed') expect(after).toEqual(APPROVED);
    }

    // Another process (this test's own app, which was never killed) approves every contract the
    // killed ones left untouched, wholly: no lock or half-written row of theirs remains.
    const left = [];
    for (const { id } of contracts) if ((await stateOf(id)).status === 'PENDING_REVIEW') left.push(id);
    expect(left.length).toBeGreaterThan(0);
    for (const id of left) {
      const res = await app.gql(REVIEW, { id, d: 'APPROVE' }, s.secretary.token);
      expect(res.errors).toBeUndefined();
      expect(res.data.reviewContract.status).toBe('ACTIVE');
      expect(await stateOf(id)).toEqual(APPROVED);
    }
    // And none twice: an approved contract refuses another approval, unchanged.
    for (const { id } of contracts) {
      expect((await app.gql(REVIEW, { id, d: 'APPROVE' }, s.secretary.token)).errors?.[0].extensions.code).toBe('INVALID_STATE');
      expect(await stateOf(id)).toEqual(APPROVED);
    }

    writeReport('sigkill-approval', {
      bookingsPerContract: 156,
      rounds: rounds.length,
      approvedWhenKilled: rounds.filter((r) => r.outcome === 'approved').length,
      untouchedWhenKilled: rounds.filter((r) => r.outcome === 'untouched').length,
      killedInsideTransaction: rounds.filter((r) => r.inTransactionAtKill).length,
      partial: 0,
      approvedAfterRestart: left.length,
      details: rounds,
    });
  } finally {
    await watch.end();
  }
});
