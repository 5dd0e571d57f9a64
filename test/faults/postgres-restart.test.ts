import { createCluster, type Cluster } from '../support/real-parts';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from '../support/app';
import { adminToken, copyTemplate, outageUnderLoad, query } from '../support/faults';

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
    const { load, figures, whileDown, failures, englishAnswer } = await outageUnderLoad({
      name: `postgres-restart-${mode}`,
      extra: { mode },
      url,
      token,
      databaseUrl,
      stop: () => cluster.stop(mode),
      start: () => cluster.start(),
      recovered: listenerUp,
    });

    // Every acknowledged write is in the database.
    expect(figures.writesAcknowledged).toBeGreaterThan(0);
    expect(figures.lost).toBe(0);
    // The outage was felt, and every failure says so plainly: 503 SERVICE_UNAVAILABLE, no driver text.
    expect(failures.length).toBeGreaterThan(0);
    expect(new Set(failures.map((f) => `${f.status} ${f.code}`))).toEqual(new Set(['503 SERVICE_UNAVAILABLE']));
    for (const f of failures) expect(f.message).not.toMatch(/ECONNREFUSED|terminat|shutting down|starting up|127\.0\.0\.1/i);
    // Fast: no failed request waited as long as the outage lasted (it failed; it did not wait for the
    // database to come back). The figures record how long they took on this machine.
    expect(figures.slowestFailureMs).toBeLessThan(figures.outageMs);
    // /readyz: 503 for as long as the database was down, 200 again afterwards.
    expect(whileDown.length).toBeGreaterThan(0);
    expect(whileDown.every((p) => p.status === 503)).toBe(true);
    expect(load.probes.at(-1)?.status).toBe(200);
    expect(englishAnswer).toEqual({
      status: 503,
      retryAfter: '1',
      error: expect.objectContaining({ message: expect.stringMatching(/^The database cannot be reached right now; try again in a moment/), extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 1 } }),
    });
    // Nobody restarted the app: its pool answered again and its LISTEN connection is back (recovered).
  });
});
