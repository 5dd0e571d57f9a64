import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { scene, signUp, unique, type Scene } from '../support/demand-fixtures';
import { APPOINT_SECRETARY, CANCEL_DEMAND, POST_DEMAND } from '../support/documents';
import { metricValue, pause, replicaScene, type ReplicaScene } from '../support/replica-scene';

/*
 * Fault: the read replica stops (as if it crashed: `pg_ctl stop -m immediate`) under load, and
 * starts again. Measured: every request answered (the heavy reads fall back to the primary,
 * including those in flight on the replica when it died), no write lost, no writer ever missing
 * their own write; /readyz stays ready and says the replica is down; /metrics counts the
 * fallbacks; once back, the replica serves again. The figures go to
 * test-artifacts/faults/replica-stopped.json (docs/faults.md links them).
 */

jest.setTimeout(240_000);

const BOARD = `query($c: ID!) { publicBoard(communityId: $c) { openDemands(first: 100) { id } figures { requestsReceived } } }`;
const REPORT = path.join(__dirname, '..', '..', 'test-artifacts', 'faults', 'replica-stopped.json');

let rs: ReplicaScene;
let app: TestApp;
let world: Scene;

beforeAll(async () => {
  rs = await replicaScene();
  app = await startTestApp({ databaseUrl: rs.primaryUrl, env: { DATABASE_REPLICA_URL: rs.replicaUrl, REPLICA_POLL_MS: '100' } });
  world = await scene(app);
  await rs.caughtUp();
});

afterAll(async () => {
  await app?.close();
  await rs?.destroy();
});

interface Tally {
  tried: number;
  failed: number;
  writesTried: number;
  writesAcknowledged: string[];
  writesFailed: number;
  staleOwnReads: number;
  errors: string[];
}

type Phase = 'before' | 'stopped' | 'restarted';

async function readyz() {
  return request(app.server).get('/readyz');
}

async function metric(sample: string): Promise<number> {
  return metricValue((await request(app.server).get('/metrics')).text, sample) ?? 0;
}

/** A board read (anonymous or as `token`): its ids, or null after counting a failure. */
async function readBoard(t: Tally, token: string | null): Promise<string[] | null> {
  t.tried++;
  const res = await app.gql(BOARD, { c: world.communityId }, token);
  if (res.status !== 200 || res.errors?.length || !res.data?.publicBoard) {
    t.failed++;
    t.errors.push(`read ${res.status} ${res.errors?.map((e) => e.extensions.code).join(',') ?? ''}`);
    return null;
  }
  return res.data.publicBoard.openDemands.map((d: { id: string }) => d.id);
}

/** One writer's loop: post a demand, read the board as themselves (it must be there), withdraw it, read as nobody. */
async function load(current: () => Tally, writer: { token: string }, running: () => boolean): Promise<void> {
  while (running()) {
    // Counted in the phase it started in.
    const t = current();
    t.writesTried++;
    t.tried++;
    const res = await app.gql(POST_DEMAND, { i: { communityId: world.communityId, title: unique('长椅'), category: 'GOODS', quantity: 1, unit: '张' } }, writer.token);
    const id = res.data?.postDemand?.id as string | undefined;
    if (res.status !== 200 || res.errors?.length || !id) {
      t.failed++;
      t.writesFailed++;
      t.errors.push(`write ${res.status} ${res.errors?.map((e) => e.extensions.code).join(',') ?? ''}`);
      continue;
    }
    t.writesAcknowledged.push(id);
    const own = await readBoard(t, writer.token);
    if (own && !own.includes(id)) t.staleOwnReads++;
    // Withdrawn again, so the board's open list (first 100) never fills up and hides the next one.
    t.tried++;
    const cancelled = await app.gql(CANCEL_DEMAND, { id, r: 'fault test' }, writer.token);
    if (cancelled.status !== 200 || cancelled.errors?.length) {
      t.failed++;
      t.errors.push(`cancel ${cancelled.status} ${cancelled.errors?.map((e) => e.extensions.code).join(',') ?? ''}`);
    }
    await readBoard(t, null);
  }
}

it('survives the replica stopping under load: every request answered, nothing lost, no stale own read; it is used again once back', async () => {
  const tallies: Record<Phase, Tally> = {
    before: { tried: 0, failed: 0, writesTried: 0, writesAcknowledged: [], writesFailed: 0, staleOwnReads: 0, errors: [] },
    stopped: { tried: 0, failed: 0, writesTried: 0, writesAcknowledged: [], writesFailed: 0, staleOwnReads: 0, errors: [] },
    restarted: { tried: 0, failed: 0, writesTried: 0, writesAcknowledged: [], writesFailed: 0, staleOwnReads: 0, errors: [] },
  };
  // Three secretaries of the community post demands in it.
  const writers = [world.secretary, await signUp(app), await signUp(app)];
  for (const w of writers.slice(1)) await app.gqlOk(APPOINT_SECRETARY, { c: world.communityId, u: w.id }, await app.adminToken());
  let phase: Phase = 'before';
  let running = true;
  const loops = writers.map((w) => load(() => tallies[phase], w, () => running));

  try {
    await eventually(async () => (await readyz()).body.replica?.state === 'ok');
    await pause(1_500);
    const replicaReadsBefore = await metric('db_heavy_reads_total{target="replica"}');
    expect(replicaReadsBefore).toBeGreaterThan(0);

    // The replica dies mid-load.
    const fallbacksBefore = await metric('db_heavy_reads_total{target="fallback"}');
    const stoppedAt = performance.now();
    phase = 'stopped';
    await rs.replica.stop('immediate');
    await eventually(async () => (await readyz()).body.replica?.state === 'down');
    const detectedMs = Math.round(performance.now() - stoppedAt);
    const ready = await readyz();
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', replica: { state: 'down' } });
    await pause(2_000);
    expect(await metric('db_replica_state{state="down"}')).toBe(1);
    const fallbacksWhileDown = (await metric('db_heavy_reads_total{target="fallback"}')) - fallbacksBefore;
    expect(fallbacksWhileDown).toBeGreaterThan(0);

    // Back: it catches up and serves again.
    const restartedAt = performance.now();
    await rs.replica.start();
    phase = 'restarted';
    await eventually(async () => (await readyz()).body.replica?.state === 'ok');
    const backMs = Math.round(performance.now() - restartedAt);
    const replicaReadsAfterRestart = await metric('db_heavy_reads_total{target="replica"}');
    await pause(1_500);
    running = false;
    await Promise.all(loops);
    const servedByReplicaAgain = (await metric('db_heavy_reads_total{target="replica"}')) - replicaReadsAfterRestart;
    expect(servedByReplicaAgain).toBeGreaterThan(0);

    // Lost: acknowledged writes the primary does not have.
    const acknowledged = Object.values(tallies).flatMap((t) => t.writesAcknowledged);
    const [{ n }] = await app.db.query(`SELECT count(*)::int AS n FROM demand_item WHERE id = ANY($1)`, [acknowledged]);
    const lost = acknowledged.length - n;

    const figures = Object.fromEntries(
      Object.entries(tallies).map(([name, t]) => [
        name,
        { requestsTried: t.tried, requestsFailed: t.failed, writesTried: t.writesTried, writesAcknowledged: t.writesAcknowledged.length, writesFailed: t.writesFailed, staleOwnReads: t.staleOwnReads, errors: t.errors.slice(0, 10) },
      ]),
    );
    const total = (k: 'tried' | 'failed' | 'staleOwnReads') => Object.values(tallies).reduce((sum, t) => sum + t[k], 0);
    const report = {
      fault: 'replica stopped (pg_ctl stop -m immediate) under load, then started again',
      test: 'test/faults/replica-stopped.test.ts',
      load: `${writers.length} writers (secretaries), each: post a demand, read the public board as themselves, withdraw the demand, read the board anonymously`,
      requestsTried: total('tried'),
      requestsFailed: total('failed'),
      writesLost: lost,
      staleOwnReads: total('staleOwnReads'),
      fallbackReadsWhileDown: fallbacksWhileDown,
      replicaDownDetectedAfterMs: detectedMs,
      replicaServingAgainAfterMs: backMs,
      phases: figures,
    };
    mkdirSync(path.dirname(REPORT), { recursive: true });
    writeFileSync(REPORT, JSON.stringify(report, null, 2) + '\n');

    expect(report.requestsFailed).toBe(0);
    expect(lost).toBe(0);
    expect(report.staleOwnReads).toBe(0);
    expect(tallies.stopped.tried).toBeGreaterThan(0);
  } finally {
    running = false;
    await Promise.allSettled(loops);
  }
});

/** Polls `check` (every 50 ms, at most `tries` times) until it holds. */
async function eventually(check: () => Promise<boolean>, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await pause(50);
  }
  throw new Error('condition not reached');
}
