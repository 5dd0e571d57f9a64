import { fork } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { startTestApp, type TestApp } from './app';

/**
 * The one way tests run a second server: the same app on the same database in its own OS process
 * (`fork` of child-app-main.ts, which reports its port over IPC). Nothing but PostgreSQL connects
 * it to this process's app. (test/support/main-process.ts runs the production entry, src/main.ts,
 * for the tests that kill it.)
 */
export interface ChildApp {
  url: string;
  port: number;
  /** The child's JSON log lines so far (only with `logLevel`; e.g. `live: subscribed` at debug). */
  lines: { msg?: string; topic?: string; [k: string]: unknown }[];
  stop(): Promise<void>;
}

/**
 * `env`: configuration of the child's app (as startTestApp's `env`); `CLOCK_START` there sets its
 * clock, and with `CLOCK_FROZEN: 'true'` holds it there (as a test freezes its own process's).
 */
export function startChildApp(databaseUrl: string, options: { logLevel?: string; env?: Record<string, string> } = {}): Promise<ChildApp> {
  const child = fork(path.join(__dirname, 'child-app-main.ts'), [], {
    env: {
      ...process.env,
      CHILD_APP_ENV: JSON.stringify(options.env ?? {}),
      DATABASE_URL: databaseUrl,
      TEST_LOG_LEVEL: options.logLevel ?? process.env.TEST_LOG_LEVEL ?? 'silent',
      TS_NODE_PROJECT: path.join(__dirname, '..', '..', 'tsconfig.json'),
    },
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const lines: ChildApp['lines'] = [];
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line));
    } catch {
      /* not a log line */
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    void exited.then(() => reject(new Error('child app exited before listening')));
    child.once('message', (message: { port: number }) => {
      resolve({
        url: `http://127.0.0.1:${message.port}`,
        port: message.port,
        lines,
        async stop() {
          if (child.exitCode === null && child.signalCode === null && child.connected) child.send('stop');
          await exited;
        },
      });
    });
  });
}

/** This process's test app and a child server on its database (the two-process tests). */
export interface AppAndChild {
  app: TestApp;
  child: ChildApp;
  /** This process's app over real HTTP, as the child is reached. */
  appUrl: string;
  close(): Promise<void>;
}

/** `env`: configuration of both apps (startTestApp's `env`). */
export async function appAndChild(options: { childLogLevel?: string; env?: Record<string, string> } = {}): Promise<AppAndChild> {
  const app = await startTestApp({ env: options.env });
  try {
    const child = await startChildApp(app.databaseUrl, { logLevel: options.childLogLevel, env: options.env });
    return {
      app,
      child,
      appUrl: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
      async close() {
        await child.stop();
        await app.close();
      },
    };
  } catch (error) {
    await app.close();
    throw error;
  }
}

/** One GraphQL POST with fetch (supertest reaches only this process's server). */
export async function post(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { data?: any; errors?: { message: string; path?: string[]; extensions: { code: string; fields?: { path: string; message: string }[]; [k: string]: unknown } }[] } };
}
