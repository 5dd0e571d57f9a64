import { fork } from 'node:child_process';
import path from 'node:path';

/**
 * A second server as a real OS process on the same database: `fork` of child-app-main.ts, which
 * starts the app on port 0 and reports its port over IPC.
 */
export interface ChildApp {
  url: string;
  stop(): Promise<void>;
}

export function startChildApp(databaseUrl: string): Promise<ChildApp> {
  const child = fork(path.join(__dirname, 'child-app-main.ts'), [], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`child app exited with ${code} before listening`)));
    child.once('message', (message: { port: number }) => {
      child.removeAllListeners('exit');
      resolve({
        url: `http://127.0.0.1:${message.port}`,
        stop: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.send('stop');
          }),
      });
    });
  });
}
