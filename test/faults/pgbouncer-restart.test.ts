import type { AddressInfo } from 'node:net';
import { createTestDatabase, dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { startPgBouncer, type Bouncer } from '../support/real-parts';
import { adminToken, expectOutageSurvived, outageUnderLoad } from '../support/faults';

/**
 * PgBouncer (transaction pooling, in front of the shared server) restarted under load: every
 * connection of the app is cut and, for 2 s, refused. Requests meanwhile fail fast with
 * SERVICE_UNAVAILABLE (HTTP 503); no acknowledged write is lost; /readyz answers 503 while the
 * bouncer is down and 200 after; the app's pool reconnects through it by itself.
 * Figures: test-artifacts/faults/pgbouncer-restart.json (docs/faults.md).
 *
 * The app is told it is behind a transaction-mode pooler (DATABASE_POOL_MODE=transaction: no
 * startup parameters, the statement timeout as the role's default, no named prepared statements)
 * and its LISTEN connection goes straight to PostgreSQL (DATABASE_LISTEN_URL), as README "Beyond
 * one machine" says to run it; this test checks requests (listen-cut.test.ts covers the listener).
 */
jest.setTimeout(90_000);

let bouncer: Bouncer;
let app: TestApp;
let directUrl: string;
let url: string;
let token: string;

beforeAll(async () => {
  directUrl = await createTestDatabase();
  bouncer = await startPgBouncer({ port: Number(new URL(directUrl).port || 5432) }, { poolMode: 'transaction', poolSize: 10 });
  app = await startTestApp({ databaseUrl: bouncer.url(new URL(directUrl).pathname.slice(1)), env: { DATABASE_POOL_MODE: 'transaction', DATABASE_LISTEN_URL: directUrl } });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  token = await adminToken(url);
});

afterAll(async () => {
  await app?.close();
  await bouncer?.destroy();
  if (directUrl) await dropTestDatabase(directUrl);
});

it('answers SERVICE_UNAVAILABLE quickly while PgBouncer is down, loses no acknowledged write, /readyz follows, recovers by itself', async () => {
  const outcome = await outageUnderLoad({
    name: 'pgbouncer-restart',
    extra: { poolMode: 'transaction' },
    url,
    token,
    databaseUrl: directUrl,
    stop: () => bouncer.stop(),
    start: () => bouncer.start(),
  });
  expectOutageSurvived(outcome, /ECONNREFUSED|terminat|pgbouncer|127\.0\.0\.1/i);
});
