import request from 'supertest';
import { startTestApp, type TestApp } from './support/app';
import { post, startChildApp, type ChildApp } from './support/child-app';
import { postDemand, scene, signUp, type Scene } from './support/demand-fixtures';
import { metricValue, pause, replicaScene, type ReplicaScene } from './support/replica-scene';

/*
 * Issue #18 item 2: heavy reads on a real streaming replica (a cluster of its own and its
 * pg_basebackup standby, test/support/real-parts.ts), read-your-writes across two server
 * processes, and the fall back to the primary when the replica lags beyond its bound.
 */

jest.setTimeout(180_000);

const BOARD = `query($c: ID!) { publicBoard(communityId: $c) { openDemands { id } } }`;

let rs: ReplicaScene;
let app: TestApp;
let child: ChildApp;
let world: Scene;

const env = (scene: ReplicaScene, extra: Record<string, string> = {}) => ({
  DATABASE_REPLICA_URL: scene.replicaUrl,
  // Long enough that a paused replay is stale, not "lagging", for the whole of a test.
  REPLICA_MAX_LAG_MS: '120000',
  REPLICA_POLL_MS: '50',
  ...extra,
});

beforeAll(async () => {
  rs = await replicaScene();
  app = await startTestApp({ databaseUrl: rs.primaryUrl, env: env(rs) });
  child = await startChildApp(rs.primaryUrl, { env: env(rs) });
  world = await scene(app);
  await rs.caughtUp();
});

afterAll(async () => {
  await rs?.onReplica('SELECT pg_wal_replay_resume()').catch(() => undefined);
  await child?.stop();
  await app?.close();
  await rs?.destroy();
});

/** The open demands' ids on the board, read through `url` (or this process's app) as `token`. */
async function board(via: 'app' | 'child', token: string | null): Promise<string[]> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const res = via === 'child' ? (await post(child.url, BOARD, { c: world.communityId }, headers)).body : await app.gql(BOARD, { c: world.communityId }, token);
  if (res.errors?.length) throw new Error(`board: ${res.errors.map((e) => e.extensions.code).join(', ')}`);
  return res.data.publicBoard.openDemands.map((d: { id: string }) => d.id);
}

async function metrics(target: TestApp): Promise<string> {
  return (await request(target.server).get('/metrics')).text;
}

/** Polls `check` (every 50 ms, at most `tries` times) until it holds. */
async function eventually(check: () => Promise<boolean>, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await pause(50);
  }
  throw new Error('condition not reached');
}

it('serves heavy reads from the replica: with replay paused, others read the old board while the writer reads their own write, in either process', async () => {
  const first = await postDemand(app, world.secretary.token, world.communityId);
  await rs.caughtUp();
  await eventually(async () => (await board('app', null)).includes(first));
  const replicaReadsBefore = metricValue(await metrics(app), 'db_heavy_reads_total{target="replica"}') ?? 0;

  await rs.onReplica('SELECT pg_wal_replay_pause()');
  const second = await postDemand(app, world.secretary.token, world.communityId);
  const other = await signUp(app);

  // Nobody else waits for the secretary's write: the replica (paused) does not have it yet.
  expect(await board('app', null)).toEqual(expect.arrayContaining([first]));
  expect(await board('app', null)).not.toContain(second);
  expect(await board('child', null)).not.toContain(second);
  expect(await board('child', other.token)).not.toContain(second);
  // The writer never sees their own demand vanish, in this process or the other one.
  expect(await board('app', world.secretary.token)).toContain(second);
  expect(await board('child', world.secretary.token)).toContain(second);
  // The primary had it all along.
  const [row] = await app.db.query(`SELECT status FROM demand_item WHERE id = $1`, [second]);
  expect(row.status).toBe('OPEN');

  const text = await metrics(app);
  expect(metricValue(text, 'db_heavy_reads_total{target="replica"}')).toBeGreaterThanOrEqual(replicaReadsBefore + 2);
  expect(metricValue(text, 'db_heavy_reads_total{target="primary"}')).toBeGreaterThanOrEqual(1);
  expect(metricValue(text, 'db_replica_lag_bytes')).toBeGreaterThan(0);

  await rs.onReplica('SELECT pg_wal_replay_resume()');
  await eventually(async () => (await board('app', null)).includes(second) && (await board('child', null)).includes(second));
  // Replayed: the writer's reads go back to the replica.
  const before = metricValue(await metrics(app), 'db_heavy_reads_total{target="replica"}')!;
  await eventually(async () => {
    await board('app', world.secretary.token);
    return metricValue(await metrics(app), 'db_heavy_reads_total{target="replica"}')! > before;
  });
});

it('answers from the primary once the replica lags beyond REPLICA_MAX_LAG_MS, says so on /readyz and /metrics, and returns to it', async () => {
  const strict = await startTestApp({ databaseUrl: rs.primaryUrl, env: env(rs, { REPLICA_MAX_LAG_MS: '500' }) });
  try {
    await eventually(async () => (await request(strict.server).get('/readyz')).body.replica?.state === 'ok');
    await rs.onReplica('SELECT pg_wal_replay_pause()');
    const late = await postDemand(app, world.secretary.token, world.communityId);
    await eventually(async () => (await request(strict.server).get('/readyz')).body.replica?.state === 'lagging');
    const ready = await request(strict.server).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', replica: { state: 'lagging' } });
    expect(ready.body.replica.lagMs).toBeGreaterThan(500);

    const fallbacks = metricValue(await metrics(strict), 'db_heavy_reads_total{target="fallback"}') ?? 0;
    // Anonymous, with no write of its own to wait for: still the fresh board, from the primary.
    const res = await strict.gql(BOARD, { c: world.communityId });
    expect(res.data.publicBoard.openDemands.map((d: { id: string }) => d.id)).toContain(late);
    const text = await metrics(strict);
    expect(metricValue(text, 'db_heavy_reads_total{target="fallback"}')).toBeGreaterThan(fallbacks);
    expect(metricValue(text, 'db_replica_state{state="lagging"}')).toBe(1);
    expect(metricValue(text, 'db_replica_lag_seconds')).toBeGreaterThan(0.5);
    // The lenient app (2 minutes) still reads the paused replica: stale, within its bound.
    expect(await board('app', null)).not.toContain(late);

    await rs.onReplica('SELECT pg_wal_replay_resume()');
    await eventually(async () => (await request(strict.server).get('/readyz')).body.replica?.state === 'ok');
    const replicaReads = metricValue(await metrics(strict), 'db_heavy_reads_total{target="replica"}') ?? 0;
    const again = await strict.gql(BOARD, { c: world.communityId });
    expect(again.data.publicBoard.openDemands.map((d: { id: string }) => d.id)).toContain(late);
    expect(metricValue(await metrics(strict), 'db_heavy_reads_total{target="replica"}')).toBe(replicaReads + 1);
  } finally {
    await rs.onReplica('SELECT pg_wal_replay_resume()').catch(() => undefined);
    await strict.close();
  }
});

it('refuses a replica without a primary URL (the embedded store has none)', async () => {
  const { loadConfig, ConfigError } = await import('../src/config');
  expect(() => loadConfig({ NODE_ENV: 'test', DATABASE_REPLICA_URL: rs.replicaUrl })).toThrow(ConfigError);
  expect(() => loadConfig({ NODE_ENV: 'test', DATABASE_URL: rs.primaryUrl, REPLICA_MAX_LAG_MS: '-1' })).toThrow(ConfigError);
});
