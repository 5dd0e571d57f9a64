import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createTestDatabase, dropTestDatabase } from './support/app';
import { unique } from './support/fixtures';
import { post, ready, spawnMain, type MainProcess } from './support/main-process';
import { Client } from 'pg';
import { CREATE_COMMUNITY, LOG_IN } from './support/documents';

/**
 * The real server (src/main.ts) as a child process, killed with SIGKILL while acknowledged writes
 * stream in: after a restart every acknowledged write is there. Embedded store and PostgreSQL.
 * And on the embedded store, one process per DATA_DIR.
 */
const started: MainProcess[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const server of started) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  await Promise.all(started.map((s) => s.exited));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string>): Promise<MainProcess> {
  const server = await spawnMain(env);
  started.push(server);
  return server;
}


async function adminToken(url: string): Promise<string> {
  const res = await post(url, LOG_IN, { i: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  return res.body.data.logIn.token;
}

/**
 * Four writers create communities as fast as answers come; after `killAfter` acknowledgements (and
 * once `notBefore` has settled) the server gets SIGKILL with writes still in flight. Returns the ids
 * of every acknowledged write.
 */
async function writeUntilKilled(server: MainProcess, killAfter: number, notBefore: Promise<unknown> = Promise.resolve()): Promise<string[]> {
  const auth = { authorization: `Bearer ${await adminToken(server.url)}` };
  const acknowledged: string[] = [];
  let killed = false;
  let mayKill = false;
  void notBefore.then(() => (mayKill = true));
  const writer = async () => {
    while (!killed) {
      try {
        const res = await post(server.url, CREATE_COMMUNITY, { i: { name: unique('durable') } }, auth);
        if (res.body.data?.createCommunity) acknowledged.push(res.body.data.createCommunity.id);
        else if (!killed) throw new Error(JSON.stringify(res.body.errors));
      } catch (error) {
        if (!killed) throw error;
      }
      if (!killed && mayKill && acknowledged.length >= killAfter) {
        killed = true;
        server.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all([writer(), writer(), writer(), writer()]);
  expect(await server.exited).toBe('SIGKILL');
  return acknowledged;
}

describe('embedded store (PGlite)', () => {
  it('refuses a second process on the same DATA_DIR naming the holder; keeps every acknowledged write through SIGKILL; the restart takes over the dead process lock', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-durability-'));
    dirs.push(dir);
    const first = await start({ DATA_DIR: dir });
    await ready(first);

    // A second process on the same directory, started while the first takes writes: refused.
    const second = await start({ DATA_DIR: dir });
    const acknowledged = await writeUntilKilled(first, 30, second.exited);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`cannot start: DATA_DIR ${dir} is in use by process ${first.child.pid} on ${os.hostname()} (started 20`);
    expect(acknowledged.length).toBeGreaterThanOrEqual(30);

    const restarted = await start({ DATA_DIR: dir });
    await ready(restarted);
    expect(restarted.output()).toContain('DATA_DIR lock of a process that is gone: taken over');
    expect(restarted.output()).toContain(`"pid":${first.child.pid}`);
    const found: string[] = [];
    for (const id of acknowledged) {
      const res = await post(restarted.url, `query($id: ID!) { community(id: $id) { id } }`, { id });
      found.push(res.body.data?.community?.id);
    }
    expect(found).toEqual(acknowledged);

    // A clean stop releases the directory (the next start is shown in embedded-store.test.ts).
    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toBe(0);
    expect(fs.existsSync(path.join(dir, 'server.lock'))).toBe(false);
  }, 600_000);
});

describe('PostgreSQL', () => {
  it('keeps every acknowledged write through SIGKILL of the app process', async () => {
    const url = await createTestDatabase();
    try {
      const server = await start({ DATABASE_URL: url });
      await ready(server);
      const acknowledged = await writeUntilKilled(server, 30);
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query(`SELECT id FROM community WHERE id = ANY($1::uuid[])`, [acknowledged]);
        expect(rows).toHaveLength(acknowledged.length);
      } finally {
        await client.end();
      }
    } finally {
      await dropTestDatabase(url);
    }
  }, 300_000);
});
