import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type http from 'node:http';
import type { DataSource } from 'typeorm';
import { createApp, type AppHandle } from '../../src/app';
import { ensureAdmin } from '../../src/auth/auth.service';
import { loadConfig, type Config } from '../../src/config';
import { createDataSource, migrate } from '../../src/db/data-source';
import { createLogger } from '../../src/logger';
import { registry } from '../../src/registry';
import { ADMIN_PASSWORD } from './app';

/** The app on a fresh embedded store (PGlite) in a temporary directory, migrated, with its admin. */
export interface PGliteApp {
  dir: string;
  config: Config;
  db: DataSource;
  handle: AppHandle;
  server: http.Server;
  close(): Promise<void>;
}

export const PGLITE_ADMIN_EMAIL = 'admin@pglite.test';

/**
 * The one PGlite set-up of the tests. `listen`: on a port (for WebSocket clients); supertest needs
 * none. A fresh store (initdb, migrations with an fsync per commit) takes long on a busy machine:
 * give the beforeAll that calls this a long timeout.
 */
export async function startPGliteApp(options: { prefix?: string; env?: Record<string, string>; listen?: boolean } = {}): Promise<PGliteApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), options.prefix ?? 'mp-pglite-'));
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, JWT_SECRET: 'x', ADMIN_EMAIL: PGLITE_ADMIN_EMAIL, ADMIN_PASSWORD, ...options.env });
  const log = createLogger('silent');
  const db = await createDataSource(config, log, registry).initialize();
  await migrate(db);
  await ensureAdmin(db, config);
  const handle = await createApp({ db, config, log });
  if (options.listen) await new Promise<void>((resolve) => handle.server.listen(0, '127.0.0.1', resolve));
  return {
    dir,
    config,
    db,
    handle,
    server: handle.server,
    async close() {
      await handle.drain();
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
