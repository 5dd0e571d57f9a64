import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './app';

/** The real server entry (src/main.ts) as its own OS process, as `npm start` runs it. */
export interface MainProcess {
  child: ChildProcess;
  url: string;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function spawnMain(env: Record<string, string>): Promise<MainProcess> {
  const port = await freePort();
  const root = path.join(__dirname, '..', '..');
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(root, 'src', 'main.ts')], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      TS_NODE_PROJECT: path.join(root, 'tsconfig.json'),
      NODE_ENV: 'test',
      PORT: String(port),
      JWT_SECRET: 'main-process-test-secret',
      ADMIN_EMAIL,
      ADMIN_PASSWORD,
      SEED_ON_EMPTY: 'false',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}

/** Waits until /readyz answers 200 (migrations applied, database reachable); fails if the process exits first. */
export async function ready(server: MainProcess, ms = 240_000): Promise<void> {
  const deadline = performance.now() + ms;
  let exit: number | string | undefined;
  void server.exited.then((code) => (exit = code));
  for (;;) {
    if (exit !== undefined) throw new Error(`server exited with ${exit} before ready:\n${server.output()}`);
    try {
      const res = await fetch(`${server.url}/readyz`);
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    if (performance.now() > deadline) throw new Error(`server not ready within ${ms} ms:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export { post } from './child-app';
