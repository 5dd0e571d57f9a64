import { inTransaction } from '../../src/db/transaction';
import { topics } from '../../src/live/events';
import { notify } from '../../src/live/notifications.service';
import { startTestApp, type TestApp } from '../support/app';
import { signUp } from '../support/fixtures';
import { bearer, Subscription, until, wsClient } from '../support/live';
import { pause, waitFor, writeReport } from '../support/faults';

/**
 * The LISTEN connection cut (pg_terminate_backend on the server's `marketplace-listener` backend)
 * while notifications are committed (two writers) and a subscriber listens over WebSocket:
 * the listener reconnects by itself; every event committed before the cut and after the listener
 * is back is delivered exactly once; none is delivered twice; the events committed in the gap are
 * not delivered live (measured here: NOTIFY is not queued for a listener that is gone) but are
 * all in the subscriber's inbox. Figures: test-artifacts/faults/listen-cut.json (docs/faults.md).
 */
jest.setTimeout(60_000);

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const RECEIVED = `subscription { notificationReceived { id message } }`;
const INBOX = `query { notifications(first: 100) { totalCount edges { node { id message } } } }`;

it('resumes the subscription by itself; events after the reconnection arrive once, none twice; the gap is counted and stays in the inbox', async () => {
  const user = await signUp(app);
  const client = wsClient(app.server, bearer(user.token));
  const database = new URL(app.databaseUrl).pathname.slice(1);
  try {
    const sub = new Subscription(client, RECEIVED);
    await until(() => app.handle.events.hub.subscriberCount(topics.inbox(user.id)) === 1);
    const listener = async () =>
      (await app.db.query(`SELECT pid FROM pg_stat_activity WHERE application_name = 'marketplace-listener' AND datname = $1 AND query ILIKE 'LISTEN%'`, [database])) as {
        pid: number;
      }[];
    const [{ pid: before }] = await listener();

    // Two producers each commit one notification after another, each named by its number, until told to stop.
    const t0 = performance.now();
    const at = () => performance.now() - t0;
    const committed: { n: number; at: number }[] = [];
    let producing = true;
    let next = 0;
    const produce = async () => {
      while (producing) {
        const n = next++;
        await inTransaction(app.db, (tx) => notify(tx, { to: { userIds: [user.id] }, kind: 'FAULT_PROBE', message: `probe ${n}` }));
        committed.push({ n, at: at() });
        await pause(10);
      }
    };
    const producers = [produce(), produce()];

    // Enough events before the cut (counted, not timed: the machine may be slow).
    await waitFor(() => committed.length >= 10, 20_000, 'ten events before the cut');
    const cutAt = at();
    const [{ terminated }] = await app.db.query(`SELECT count(pg_terminate_backend(pid))::int AS terminated FROM pg_stat_activity WHERE pid = $1`, [before]);
    expect(terminated).toBe(1);
    // Back: a new backend LISTENs, and the bus has it (LISTEN completed).
    const reconnectMs = await waitFor(async () => (await listener()).some((l) => l.pid !== before), 15_000, 'a new LISTEN connection');
    await app.handle.events.listening();
    const backAt = at();
    await waitFor(() => committed.filter((c) => c.at > backAt).length >= 10, 20_000, 'ten events after the reconnection');
    producing = false;
    await Promise.all(producers);
    // Every event committed after the reconnection arrives (bounded wait), and nothing more after it.
    await waitFor(() => committed.filter((c) => c.at > backAt).every((c) => sub.results.some((r) => r.data?.notificationReceived.message === `probe ${c.n}`)), 15_000, 'the events after the reconnection').catch(() => undefined);
    await pause(300);

    const delivered = sub.results.map((r) => Number(/probe (\d+)/.exec(r.data.notificationReceived.message)![1]));
    const seen = new Set(delivered);
    const duplicates = delivered.length - seen.size;
    const missing = committed.filter((c) => !seen.has(c.n));
    const beforeCut = committed.filter((c) => c.at < cutAt);
    const afterBack = committed.filter((c) => c.at > backAt);
    const inbox = (await app.gqlOk(INBOX, {}, user.token)).notifications;

    writeReport('listen-cut', {
      eventsCommitted: committed.length,
      eventsDelivered: delivered.length,
      duplicates,
      lost: missing.length,
      lostCommittedBeforeCut: missing.filter((c) => c.at < cutAt).length,
      lostCommittedInGap: missing.filter((c) => c.at >= cutAt && c.at <= backAt).length,
      lostCommittedAfterReconnection: missing.filter((c) => c.at > backAt).length,
      committedInGap: committed.filter((c) => c.at >= cutAt && c.at <= backAt).length,
      gapMs: Math.round(backAt - cutAt),
      reconnectMs,
      inboxHoldsAll: inbox.totalCount === committed.length,
      subscriptionStayedOpen: !sub.completed && !sub.error,
    });

    // The subscription itself never noticed: still open, no error.
    expect(sub.completed).toBe(false);
    expect(sub.error).toBeNull();
    // Nothing twice.
    expect(duplicates).toBe(0);
    // Everything committed before the cut or after the reconnection arrived.
    expect(beforeCut.length).toBeGreaterThanOrEqual(10);
    expect(afterBack.length).toBeGreaterThanOrEqual(10);
    expect(beforeCut.every((c) => seen.has(c.n))).toBe(true);
    expect(afterBack.every((c) => seen.has(c.n))).toBe(true);
    // What the gap missed live is in the inbox: every committed notification is there.
    expect(inbox.totalCount).toBe(committed.length);
  } finally {
    await client.dispose();
  }
});
