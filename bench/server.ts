import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** The repository root (dist/bench/server.js sits two levels below it). */
export const ROOT = path.resolve(__dirname, '..', '..');

export const BENCH_JWT_SECRET = 'bench-jwt-secret-0123456789abcdef0123456789abcdef';
export const BENCH_ADMIN_EMAIL = 'bench.admin@bench.example';
export const BENCH_ADMIN_PASSWORD = 'bench-admin-2026';

/**
 * Whether something accepts connections on the port. A plain TCP connect: the first fetch of a
 * process loads undici, which on a loaded machine (load average 8 on 2 cores) took longer than the
 * 1 s the check allowed, and a free port was reported taken.
 */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(5_000, () => (socket.destroy(), resolve(true)));
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** A child process serving HTTP on `port`, with its recent output kept for error reports. */
export interface ChildServer {
  name: string;
  port: number;
  pid: number;
  url: string;
  /** Resident set size now, in MiB (null once it has exited). */
  rssMb(): number | null;
  output(): string;
  stop(): Promise<void>;
}

interface StartOptions {
  name: string;
  port: number;
  command: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Path answering 2xx once the server is ready. */
  readyPath: string;
  readyMethod?: 'GET' | 'POST';
  readyBody?: string;
  timeoutMs?: number;
}

export async function startChild(o: StartOptions): Promise<ChildServer> {
  // A server left over from an interrupted run would answer the readiness check for this one (which
  // then exits on EADDRINUSE) and be measured in its place, possibly on another database.
  if (await portTaken(o.port)) throw new Error(`${o.name}: port ${o.port} is already taken by another process (a server left over from an interrupted bench?); stop it or set BENCH_PORT`);
  const child: ChildProcess = spawn(o.command[0], o.command.slice(1), {
    cwd: o.cwd ?? ROOT,
    env: o.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  // Everything it says goes to bench/.work/<name>.log; the tail is kept for the run's own report.
  const dir = path.join(ROOT, 'bench', '.work');
  fs.mkdirSync(dir, { recursive: true });
  const file = fs.createWriteStream(path.join(dir, `${o.name}.log`));
  const keep = (chunk: Buffer) => {
    file.write(chunk);
    out = (out + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), file.end(), resolve())));
  const base = `http://127.0.0.1:${o.port}`;
  const deadline = Date.now() + (o.timeoutMs ?? 90_000);
  for (;;) {
    if (exited) throw new Error(`${o.name} exited during start-up:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${o.name} was not ready within ${(o.timeoutMs ?? 90_000) / 1000} s:\n${out}`);
    }
    try {
      const res = await fetch(base + o.readyPath, {
        method: o.readyMethod ?? 'GET',
        headers: { 'content-type': 'application/json' },
        body: o.readyBody,
        signal: AbortSignal.timeout(2_000),
      });
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    name: o.name,
    port: o.port,
    pid: child.pid!,
    url: base,
    rssMb: () => (exited ? null : rssMb(child.pid!)),
    output: () => out,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      // Apollo's drain waits up to 10 s for keep-alive sockets of the load; nothing is measured any more.
      const killer = setTimeout(() => child.kill('SIGKILL'), 12_000);
      await exit;
      clearTimeout(killer);
    },
  };
}

/** VmRSS of a process from /proc, in MiB; null where /proc is not available. */
export function rssMb(pid: number): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return kb ? Number(kb[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Our server (`node dist/src/main.js`) in production mode on the bench database; on the bench's own Node unless `node` names another binary. */
export function startApp(name: string, port: number, databaseUrl: string, node = process.execPath): Promise<ChildServer> {
  return startChild({
    name,
    port,
    // As `npm start` and the Dockerfile run it (32 MB semi-spaces: fewer scavenges per request).
    command: [node, '--max-semi-space-size=32', 'dist/src/main.js'],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      JWT_SECRET: BENCH_JWT_SECRET,
      ADMIN_EMAIL: BENCH_ADMIN_EMAIL,
      ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
      LOG_LEVEL: 'warn',
      SEED_ON_EMPTY: 'false',
      // The load comes from one client address and a handful of users: no rate limit in the bench.
      RATE_LIMIT_PER_MINUTE: '0',
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0',
      // A token's version is read again once it is 5 s old (one statement, per user and process): a
      // sample of slow requests then counted it in one request's statements (projects-list 9-10 at
      // scale 10; rating rounds 10-11 in session 12's scale-10 run, 18 minutes after logging in). The
      // bounds are about the request's own statements, so the bench keeps it two hours.
      TOKEN_VERSION_CACHE_MS: '7200000',
      // Settings an experiment may change (docs/bench.md): SUMMARY_CACHE_BUCKETS=0 computes every
      // summary; DB_POOL_MIN=0 DB_POOL_IDLE_MS=10000 is pg's pool as it was before session 11.
      ...Object.fromEntries(['SUMMARY_CACHE_BUCKETS', 'DB_POOL_MIN', 'DB_POOL_IDLE_MS'].filter((k) => process.env[k]).map((k) => [k, process.env[k]])),
    },
    readyPath: '/readyz',
  });
}

/** CPU time (user + system) a process has used so far, in ms; null where /proc is not available. */
export function cpuMs(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1000 / CLOCK_TICKS);
  } catch {
    return null;
  }
}
/** USER_HZ: 100 on every Linux architecture Node.js runs on. */
const CLOCK_TICKS = 100;

/** Samples the RSS of some processes while a load runs; reports the peak of each. */
export class RssSampler {
  private readonly peaks = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly servers: ChildServer[]) {}

  start(intervalMs = 200): this {
    const sample = () => {
      for (const s of this.servers) {
        const mb = s.rssMb();
        if (mb !== null) this.peaks.set(s.name, Math.max(this.peaks.get(s.name) ?? 0, mb));
      }
    };
    sample();
    this.timer = setInterval(sample, intervalMs);
    return this;
  }

  /** Peak RSS in MiB by server name. */
  stop(): Record<string, number> {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.servers) {
      const mb = s.rssMb();
      if (mb !== null) this.peaks.set(s.name, Math.max(this.peaks.get(s.name) ?? 0, mb));
    }
    return Object.fromEntries([...this.peaks].map(([k, v]) => [k, Math.round(v)]));
  }
}
