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

/** What the app's connections (the killed server's, and this test's idle pool) are doing in this database. */
async function backendsOf(watch: Client, database: string) {
  const { rows } = await watch.query(
    `SELECT state, xact_start IS NOT NULL AS in_transaction, wait_event_type = 'Lock' AS blocked, left(query, 200) AS query FROM pg_stat_activity
      WHERE datname = $1 AND application_name = 'marketplace' AND pid <> pg_backend_pid()`,
    [database],
  );
  return rows as { state: string; in_transaction: boolean; blocked: boolean; query: string }[];
}

/**
 * Two servers, each killed once while it approves three contracts at the same time, so one kill
 * catches approvals at different points: the first while the test holds one contract's room (that
 * approval waits inside its transaction) and as soon as any booking insert shows in
 * pg_stat_activity; the second as soon as the first of its approvals has committed (the others
 * are still running, or answering).
 */
const ROUNDS = [
  { trigger: 'bookingInsertSeen', holdRoomOfFirst: true },
  { trigger: 'firstCommitted', holdRoomOfFirst: false },
] as const;
const PER_ROUND = 3;
/** The statement an approval waits in while the test holds its room (bookings.service.ts). */
const HELD_ROOM_LOCK = /FROM room WHERE (community_id = \$\d AND )?id = \$\d FOR SHARE/;

it('leaves each contract wholly approved or untouched, whenever the process dies; another process approves the rest', async () => {
  const s = await spaceSetup(app, THREE);
  const startsOn = localDate(SH, 1);
  const endsOn = DateTime.fromISO(startsOn).plus({ weeks: 52, days: -1 }).toISODate()!;
  // One room per contract: the contracts never compete for an occurrence.
  const contracts: { id: string; roomId: string }[] = [];
  for (let i = 0; i < ROUNDS.length * PER_ROUND; i++) {
    const roomId = await createRoom(app, s.secretary.token, s.communityId, THREE);
    contracts.push({ id: await propose(app, s.owner, { partnerId: s.partnerId, roomId, weeklySlots: THREE, startsOn, endsOn }), roomId });
  }
  const database = new URL(app.databaseUrl).pathname.slice(1);
  const watch = new Client({ connectionString: app.databaseUrl });
  await watch.connect();
  const auth = { authorization: `Bearer ${s.secretary.token}` };
  const outcomes: Record<string, unknown>[] = [];
  const kills: Record<string, unknown>[] = [];
  try {
    for (const [r, round] of ROUNDS.entries()) {
      const mine = contracts.slice(r * PER_ROUND, (r + 1) * PER_ROUND);
      for (const { id } of mine) expect(await stateOf(id)).toEqual(UNTOUCHED);
      const booting = performance.now();
      const server = await startServer();
      const serverStartMs = Math.round(performance.now() - booting);
      const holder = round.holdRoomOfFirst ? new Client({ connectionString: app.databaseUrl }) : null;
      if (holder) {
        await holder.connect();
        await holder.query('BEGIN');
        await holder.query(`SELECT 1 FROM room WHERE id = $1 FOR UPDATE`, [mine[0].roomId]);
      }
      const answered: Record<string, number> = {};
      const sent = performance.now();
      for (const { id } of mine) {
        void post(server.url, REVIEW, { id, d: 'APPROVE', n: 'kill test' }, auth).then(
          (res) => (answered[id] = res.status),
          () => undefined,
        );
      }
      let seen: Awaited<ReturnType<typeof backendsOf>> = [];
      const deadline = performance.now() + 60_000;
      for (;;) {
        seen = await backendsOf(watch, database);
        const waiting = seen.some((b) => b.in_transaction && b.blocked && HELD_ROOM_LOCK.test(b.query));
        const hit =
          round.trigger === 'bookingInsertSeen'
            ? // The held room's approval is waiting inside its transaction, and another one writes bookings (or is done).
              waiting && (seen.some((b) => b.in_transaction && /INSERT INTO "?booking/i.test(b.query)) || Object.keys(answered).length >= PER_ROUND - 1)
            : (await watch.query(`SELECT 1 FROM space_contract WHERE id = ANY($1::uuid[]) AND status = 'ACTIVE'`, [mine.map((c) => c.id)])).rowCount! > 0;
        if (hit || Object.keys(answered).length === mine.length || performance.now() > deadline) break;
      }
      server.child.kill('SIGKILL');
      kills.push({
        trigger: round.trigger,
        killedAfterMs: Math.round(performance.now() - sent),
        answeredBeforeKill: Object.keys(answered).length,
        backendsInTransactionAtKill: seen.filter((b) => b.in_transaction).length,
        waitingForTheHeldRoom: seen.some((b) => b.in_transaction && b.blocked && HELD_ROOM_LOCK.test(b.query)),
        serverStartMs,
      });
      expect(await server.exited).toBe('SIGKILL');
      if (holder) {
        await holder.query('ROLLBACK');
        await holder.end();
      }
      // PostgreSQL notices the dead client's connections and rolls back what they had begun.
      const gone = performance.now() + 20_000;
      while ((await backendsOf(watch, database)).some((b) => b.in_transaction) && performance.now() < gone) await pause(50);
      for (const [i, { id }] of mine.entries()) {
        const after = await stateOf(id);
        outcomes.push({ round: r, trigger: round.trigger, heldRoom: holder !== null && i === 0, answered: answered[id] ?? null, outcome: after.status === 'ACTIVE' ? 'approved' : 'untouched', after });
        // All or nothing.
        expect([APPROVED, UNTOUCHED]).toContainEqual(after);
      }
      // The approval that waited for the held room died inside its transaction: nothing of it remains.
      if (holder) {
        expect(kills.at(-1)!.waitingForTheHeldRoom).toBe(true);
        expect(await stateOf(mine[0].id)).toEqual(UNTOUCHED);
      }
      // Killed once a commit was seen: that one stays whole, though its answer may never have left.
      if (round.trigger === 'firstCommitted') expect(outcomes.slice(-PER_ROUND).some((o) => o.outcome === 'approved')).toBe(true);
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
      kills: kills.length,
      approvalsCutShort: outcomes.length,
      approvedWhenKilled: outcomes.filter((o) => o.outcome === 'approved').length,
      untouchedWhenKilled: outcomes.filter((o) => o.outcome === 'untouched').length,
      partial: 0,
      approvedAfterwards: left.length,
      killDetails: kills,
      outcomes,
    });
  } finally {
    await watch.end();
  }
});
