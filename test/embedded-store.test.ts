import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../src/config';
import { DataDirLockedError, lockDataDir } from '../src/db/data-dir-lock';
import { createDataSource } from '../src/db/data-source';
import { registry } from '../src/registry';
import { embeddedStoreFsyncs } from '../src/db/durable-nodefs';

/** The embedded store's directory lock and its durability, in this process (the server process is in durability.test.ts). */
const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-store-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A logger whose warnings the test can read. */
function recordingLog() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

/** The pid of a process that has exited (the kernel will not hand it out again this soon). */
const deadPid = () => spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();

describe('DATA_DIR lock', () => {
  it('refuses a second holder while the first holds it, and is free again once released', () => {
    const dir = tempDir();
    const { log } = recordingLog();
    const first = lockDataDir(dir, log);
    const holder = JSON.parse(fs.readFileSync(path.join(dir, 'server.lock'), 'utf8'));
    expect(holder).toEqual({ pid: process.pid, host: os.hostname(), startedAt: expect.any(String) });
    expect(() => lockDataDir(dir, log)).toThrow(DataDirLockedError);
    expect(() => lockDataDir(dir, log)).toThrow(`in use by process ${process.pid} on ${os.hostname()} (started ${holder.startedAt})`);
    first.release();
    expect(fs.existsSync(path.join(dir, 'server.lock'))).toBe(false);
    lockDataDir(dir, log).release();
  });

  it('takes over the lock of a process that is gone, with a warning naming it', () => {
    const dir = tempDir();
    const pid = Number(deadPid());
    const stale = { pid, host: os.hostname(), startedAt: '2026-01-01T00:00:00.000Z' };
    fs.writeFileSync(path.join(dir, 'server.lock'), JSON.stringify(stale));
    const { log, lines } = recordingLog();
    const lock = lockDataDir(dir, log);
    expect(lines).toEqual([expect.objectContaining({ msg: 'DATA_DIR lock of a process that is gone: taken over', staleHolder: stale })]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'server.lock'), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('never takes over a lock held on another host (a shared volume cannot be checked), nor a live process', () => {
    const dir = tempDir();
    const { log } = recordingLog();
    const elsewhere = { pid: 1, host: 'another-host', startedAt: '2026-01-01T00:00:00.000Z' };
    fs.writeFileSync(path.join(dir, 'server.lock'), JSON.stringify(elsewhere));
    expect(() => lockDataDir(dir, log)).toThrow('in use by process 1 on another-host (started 2026-01-01T00:00:00.000Z)');
    const live = { pid: process.ppid, host: os.hostname(), startedAt: '2026-01-01T00:00:00.000Z' };
    fs.writeFileSync(path.join(dir, 'server.lock'), JSON.stringify(live));
    expect(() => lockDataDir(dir, log)).toThrow(`in use by process ${process.ppid}`);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'server.lock'), 'utf8'))).toEqual(live);
  });
});

describe('durability of commits', () => {
  let db: DataSource;
  beforeAll(async () => {
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: tempDir(), JWT_SECRET: 'x' });
    db = await createDataSource(config, pino({ level: 'silent' }), registry).initialize();
  }, 180_000);
  afterAll(async () => {
    await db?.destroy();
  });

  it('runs PostgreSQL with fsync on, syncing through to the host files', async () => {
    const [{ fsync }] = await db.query('SHOW fsync');
    const [{ wal_sync_method }] = await db.query('SHOW wal_sync_method');
    expect({ fsync, wal_sync_method }).toEqual({ fsync: 'on', wal_sync_method: 'fsync' });
  });

  it('fsyncs each commit that wrote before answering, and nothing for reads', async () => {
    await db.query('CREATE TABLE durable_probe (id serial PRIMARY KEY, note text)');
    const beforeWrites = embeddedStoreFsyncs();
    for (let i = 0; i < 5; i++) await db.query('INSERT INTO durable_probe (note) VALUES ($1)', [`n${i}`]);
    expect(embeddedStoreFsyncs() - beforeWrites).toBeGreaterThanOrEqual(5);
    const beforeReads = embeddedStoreFsyncs();
    for (let i = 0; i < 5; i++) await db.query('SELECT count(*) FROM durable_probe');
    expect(embeddedStoreFsyncs()).toBe(beforeReads);
  });

  it('releases the directory when the data source is destroyed', async () => {
    const dir = tempDir();
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, JWT_SECRET: 'x' });
    const log = pino({ level: 'silent' });
    const other = createDataSource(config, log, registry);
    expect(fs.existsSync(path.join(dir, 'server.lock'))).toBe(true);
    expect(() => createDataSource(config, log, registry)).toThrow(DataDirLockedError);
    await other.destroy();
    expect(fs.existsSync(path.join(dir, 'server.lock'))).toBe(false);
  });
});
