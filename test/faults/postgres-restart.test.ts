import { createCluster, type Cluster } from '../support/real-parts';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from '../support/app';
import { adminToken, copyTemplate, expectOutageSurvived, outageUnderLoad, query } from '../support/faults';

/**
 * PostgreSQL restarted under load (a cluster of this test's own; the shared server is never
 * touched): the app (served over real HTTP in this process, as startTestApp does) keeps running;
 * requests during the outage fail
 * fast with SERVICE_UNAVAILABLE (HTTP 503, no driver text); no acknowledged write is lost; /readyz
 * answers 503 while the database is down and 200 after; the pool and the LISTEN connection come
 * back by themselves. Figures: test-artifacts/faults/postgres-restart-<mode>.json (docs/faults.md).
 */
jest.setTimeout(120_000);

let cluster: Cluster;
let app: TestApp;
let url: string;
let databaseUrl: string;
let token: string;

beforeAll(async () => {
  cluster = await createCluster({ name: 'faults-pg' });
  databaseUrl = await copyTemplate(cluster.url(), 'marketplace');
  app = await startTestApp({ databaseUrl });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  token = await adminToken(url);
});

afterAll(async () => {
  await app?.close();
  await cluster?.destroy();
});

const listenerUp = async () =>
  (
    await query(databaseUrl, `SELECT 1 FROM pg_stat_activity WHERE application_name = 'marketplace-listener' AND query ILIKE 'LISTEN%'`).catch(() => [])
  ).length === 1;

describe.each(['fast', 'immediate'] as const)('PostgreSQL stopped (%s) and started again under load', (mode) => {
  it('answers SERVICE_UNAVAILABLE quickly while down, loses no acknowledged write, /readyz follows, recovers by itself', async () => {
    const outcome = await outageUnderLoad({
      name: `postgres-restart-${mode}`,
      extra: { mode },
      url,
      token,
      databaseUrl,
      stop: () => cluster.stop(mode),
      start: () => cluster.start(),
      recovered: listenerUp,
    });

    // No acknowledged write lost; every failure a plain 503 SERVICE_UNAVAILABLE, and fast (none waited
    // for the database to come back); /readyz 503 while down, 200 after.
    expectOutageSurvived(outcome, /ECONNREFUSED|terminat|shutting down|starting up|127\.0\.0\.1/i);
    // Nobody restarted the app: its pool answered again and its LISTEN connection is back (recovered).
  });
});
