import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chownSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

/*
 * Real parts for the scale-out and fault tests: PostgreSQL clusters of their own (a primary that
 * can be stopped and restarted without disturbing the shared server every other test uses, a
 * streaming replica of it) and PgBouncer in front of any server. Debian's binaries, started as the
 * `postgres` user when the tests run as root (initdb and PgBouncer refuse root).
 */

const run = promisify(execFile);
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const PGBOUNCER = process.env.PGBOUNCER_BIN ?? '/usr/sbin/pgbouncer';
const asRoot = process.getuid?.() === 0;

/** The machine's parts these tests drive, and how a fresh Debian machine gets each (`bash .ci/run` installs them all). */
export const REAL_PARTS = {
  pgbouncer: { file: PGBOUNCER, env: 'PGBOUNCER_BIN', install: 'apt-get install pgbouncer' },
  postgresql: { file: path.join(PG_BIN, 'initdb'), env: 'PG_BIN', install: 'apt-get install postgresql' },
  chromium: { file: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', env: 'CHROMIUM_PATH', install: 'apt-get install chromium fonts-noto-cjk' },
} as const;

/** The parts this machine lacks, each with the sentence that says how to get it. */
export function missingParts(): string[] {
  return Object.entries(REAL_PARTS).flatMap(([name, part]) => {
    try {
      accessSync(part.file, constants.X_OK);
      return [];
    } catch {
      return [`${name}: ${part.file} is missing (${part.install}, or set ${part.env}; \`bash .ci/run\` installs it)`];
    }
  });
}

/** Fails a test at once, saying what to install, instead of a timeout or a child's unhandled ENOENT. */
export function requirePart(name: keyof typeof REAL_PARTS): string {
  const part = REAL_PARTS[name];
  try {
    accessSync(part.file, constants.X_OK);
  } catch {
    throw new Error(`${name} is needed by this test and ${part.file} is missing: ${part.install}, or set ${part.env} (\`bash .ci/run\` installs it)`);
  }
  return part.file;
}

/**
 * A free TCP port on loopback for a PostgreSQL or PgBouncer we start, which cannot be told to take
 * port 0 and name it. Picked below the kernel's ephemeral range (32768-60999 by default) and checked:
 * every test server binds port 0, and a port the kernel lent and took back could go to one of them
 * before the caller binds it.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** A folder the `postgres` user owns (when we are root), for a cluster's data or PgBouncer's files. */
function ownedDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  if (asRoot) {
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
  }
  return dir;
}

let cachedUser: { uid: number; gid: number } | undefined;
function postgresUser(): { uid: number; gid: number } {
  if (!cachedUser) {
    const out = execFileSync('id', ['postgres']).toString();
    const uid = Number(/uid=(\d+)/.exec(out)![1]);
    const gid = Number(/gid=(\d+)/.exec(out)![1]);
    cachedUser = { uid, gid };
  }
  return cachedUser;
}

async function asPostgres(command: string, args: string[]): Promise<string> {
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  const { stdout } = await run(file, argv, { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

export interface Cluster {
  readonly name: string;
  readonly port: number;
  readonly dataDir: string;
  /** A connection URL to a database of this cluster (postgres by default). */
  url(database?: string): string;
  start(): Promise<void>;
  /** fast: clean shutdown; immediate: like a crash (recovery at the next start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  restart(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

function cluster(name: string, port: number, dataDir: string): Cluster {
  const ctl = (...args: string[]) => asPostgres(path.join(PG_BIN, 'pg_ctl'), ['-D', dataDir, '-w', '-t', '60', ...args]);
  let running = false;
  const self: Cluster = {
    name,
    port,
    dataDir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      await ctl('-l', path.join(dataDir, 'server.log'), 'start');
      running = true;
    },
    async stop(mode = 'fast') {
      if (!running) return;
      await ctl('-m', mode, 'stop');
      running = false;
    },
    async restart() {
      await self.stop('fast');
      await self.start();
    },
    async destroy() {
      await self.stop('immediate').catch(() => undefined);
      rmSync(path.dirname(dataDir), { recursive: true, force: true });
    },
  };
  return self;
}

/**
 * A new PostgreSQL cluster of its own on a free port: trust authentication on loopback,
 * replication allowed, small shared memory so several fit on the machine beside the shared server.
 */
export async function createCluster(options: { name?: string; settings?: Record<string, string> } = {}): Promise<Cluster> {
  requirePart('postgresql');
  const name = options.name ?? 'primary';
  const base = ownedDir(`mp-${name}-`);
  const dataDir = path.join(base, 'data');
  await asPostgres(path.join(PG_BIN, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: "'127.0.0.1'",
    port: String(port),
    unix_socket_directories: `'${base}'`,
    shared_buffers: "'32MB'",
    max_connections: '100',
    wal_level: 'replica',
    max_wal_senders: '5',
    fsync: 'on',
    ...options.settings,
  };
  writeFileSync(
    path.join(dataDir, 'postgresql.auto.conf'),
    Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n',
  );
  writeFileSync(path.join(dataDir, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\nlocal replication all trust\nhost replication all 127.0.0.1/32 trust\n');
  if (asRoot) {
    const { uid, gid } = postgresUser();
    for (const file of ['postgresql.auto.conf', 'pg_hba.conf']) chownSync(path.join(dataDir, file), uid, gid);
  }
  const created = cluster(name, port, dataDir);
  await created.start();
  return created;
}

/**
 * A streaming replica of `primary` (pg_basebackup -R: standby.signal and primary_conninfo written
 * for it), started on its own port and caught up when this resolves.
 */
export async function createReplica(primary: Cluster, options: { name?: string } = {}): Promise<Cluster> {
  const name = options.name ?? `${primary.name}-replica`;
  const base = ownedDir(`mp-${name}-`);
  const dataDir = path.join(base, 'data');
  await asPostgres(path.join(PG_BIN, 'pg_basebackup'), ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', dataDir, '-R', '-X', 'stream', '--no-sync', '--checkpoint=fast']);
  const port = await freePort();
  const extra = `port = ${port}\nunix_socket_directories = '${base}'\nhot_standby = on\nhot_standby_feedback = on\n`;
  writeFileSync(path.join(dataDir, 'postgresql.auto.conf'), extra, { flag: 'a' });
  const replica = cluster(name, port, dataDir);
  await replica.start();
  await waitForReplay(primary, replica);
  return replica;
}

/** Resolves when the replica has replayed everything the primary had written when this was called. */
export async function waitForReplay(primary: Cluster, replica: Cluster, timeoutMs = 30_000): Promise<void> {
  const target = await one<string>(primary.url(), 'SELECT pg_current_wal_lsn()::text AS v');
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const behind = await one<boolean>(replica.url(), `SELECT coalesce(pg_last_wal_replay_lsn() < $1::pg_lsn, true) AS v`, [target]).catch(() => true);
    if (!behind) return;
    if (performance.now() > deadline) throw new Error(`replica ${replica.name} did not replay ${target} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function one<T>(url: string, sql: string, params: unknown[] = []): Promise<T> {
  const client = new Client({ connectionString: url });
  // A server that shuts down while this client is idle reports it as an event: never an unhandled one.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql, params)).rows[0].v as T;
  } finally {
    await client.end();
  }
}

export interface Bouncer {
  readonly port: number;
  /** A connection URL through PgBouncer to a database of the target server. */
  url(database?: string): string;
  start(): Promise<void>;
  /** SIGTERM: immediate shutdown, clients' connections cut. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * PgBouncer in front of `target` for every database name (the `*` fallback), trust auth, in
 * transaction mode unless told otherwise. The process runs in the foreground as our child.
 */
export async function startPgBouncer(
  /** `user`/`password`: how PgBouncer logs in to the server (postgres without a password unless given). */
  target: { host?: string; port: number; user?: string; password?: string },
  options: { poolMode?: 'transaction' | 'session'; poolSize?: number; maxClientConn?: number; ignoreStartupParameters?: string; extra?: Record<string, string> } = {},
): Promise<Bouncer> {
  requirePart('pgbouncer');
  const dir = ownedDir('mp-pgbouncer-');
  const port = await freePort();
  const ini = path.join(dir, 'pgbouncer.ini');
  const settings: Record<string, string> = {
    listen_addr: '127.0.0.1',
    listen_port: String(port),
    unix_socket_dir: '',
    auth_type: 'trust',
    auth_file: path.join(dir, 'userlist.txt'),
    pool_mode: options.poolMode ?? 'transaction',
    default_pool_size: String(options.poolSize ?? 20),
    max_client_conn: String(options.maxClientConn ?? 2000),
    ignore_startup_parameters: options.ignoreStartupParameters ?? 'extra_float_digits,options',
    logfile: path.join(dir, 'pgbouncer.log'),
    pidfile: path.join(dir, 'pgbouncer.pid'),
    server_reset_query: 'DISCARD ALL',
    ...options.extra,
  };
  writeFileSync(ini, `[databases]\n* = host=${target.host ?? '127.0.0.1'} port=${target.port}\n\n[pgbouncer]\n${Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`);
  // Clients are trusted; the password here is the one PgBouncer gives the server for that user.
  const user = target.user ?? 'postgres';
  writeFileSync(settings.auth_file, `"${user}" "${(target.password ?? '').replace(/"/g, '""')}"\n`);
  if (asRoot) {
    const { uid, gid } = postgresUser();
    for (const file of [ini, settings.auth_file]) chownSync(file, uid, gid);
  }
  let child: ChildProcess | undefined;
  const self: Bouncer = {
    port,
    url: (database = 'postgres') => `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${database}`,
    async start() {
      child = spawn(PGBOUNCER, asRoot ? ['-u', 'postgres', ini] : [ini], { stdio: 'ignore' });
      const exited = new Promise<never>((_, reject) => child!.once('exit', (code) => reject(new Error(`pgbouncer exited (${code}); see ${settings.logfile}`))));
      exited.catch(() => undefined); // a later, intended stop is not an error
      const deadline = performance.now() + 15_000;
      for (;;) {
        const up = await Promise.race([one<number>(self.url(), 'SELECT 1 AS v').then(() => true, () => false), exited]);
        if (up) return;
        if (performance.now() > deadline) throw new Error(`pgbouncer did not answer on ${port}; see ${settings.logfile}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const gone = new Promise((r) => running.once('exit', r));
      running.kill('SIGTERM');
      await gone;
    },
    async restart() {
      await self.stop();
      await self.start();
    },
    async destroy() {
      await self.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await self.start();
  return self;
}
