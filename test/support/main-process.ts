import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './app';

/** The real server entry (src/main.ts) as its own OS process, as `npm start` runs it. */
export interface MainProcess {
  child: ChildProcess;
  /** Where it listens: known once it says so (see `ready`), '' before. */
  url: string;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

export async function spawnMain(env: Record<string, string>): Promise<MainProcess> {
  const root = path.join(__dirname, '..', '..');
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(root, 'src', 'main.ts')], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      TS_NODE_PROJECT: path.join(root, 'tsconfig.json'),
      NODE_ENV: 'test',
      // The kernel picks the port and the server names it over the IPC channel: a port picked here
      // and released could be bound by another test's server while this one migrates, and /readyz
      // would then answer for the wrong process.
      PORT: '0',
      JWT_SECRET: 'main-process-test-secret',
      ADMIN_EMAIL,
      ADMIN_PASSWORD,
      SEED_ON_EMPTY: 'false',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const server: MainProcess = { child, url: '', output: () => output, exited };
  child.on('message', (message: { listening?: number }) => {
    if (message.listening === undefined) return;
    server.url = `http://127.0.0.1:${message.listening}`;
    child.disconnect(); // nothing more to hear; an open channel would keep Jest's worker alive
  });
  return server;
}

/** Waits until it names its port and /readyz answers 200 (migrations applied, database reachable); fails if the process exits first. */
export async function ready(server: MainProcess, ms = 240_000): Promise<void> {
  const deadline = performance.now() + ms;
  let exit: number | string | undefined;
  void server.exited.then((code) => (exit = code));
  for (;;) {
    if (exit !== undefined) throw new Error(`server exited with ${exit} before ready:\n${server.output()}`);
    if (server.url) {
      const res = await fetch(`${server.url}/readyz`).catch(() => undefined);
      if (res?.status === 200) return;
    }
    if (performance.now() > deadline) throw new Error(`server not ready within ${ms} ms:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export { post } from './child-app';
