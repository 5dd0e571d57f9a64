/**
 * A second server process for the live tests: the same app on the same database, in its own Node
 * process. Logs JSON lines on stdout (debug level, so the parent sees `live: subscribed`).
 */
import 'reflect-metadata';
import { createApp } from '../../src/app';
import { createDataSource } from '../../src/db/data-source';
import { registry } from '../../src/registry';
import { createLogger } from '../../src/logger';
import { testConfig } from './app';

async function run() {
  const config = testConfig(process.env.DATABASE_URL!);
  const log = createLogger('debug');
  const db = await createDataSource(config, log, { ...registry, poolSize: 5 }).initialize();
  const handle = await createApp({ db, config, log });
  await new Promise<void>((resolve) => handle.server.listen(0, '127.0.0.1', resolve));
  const address = handle.server.address();
  log.info({ port: typeof address === 'object' && address ? address.port : null }, 'listening');
  process.on('SIGTERM', async () => {
    await handle.drain();
    await db.destroy();
    process.exit(0);
  });
}

run().catch((error) => {
  console.error(error);
  process.exit(1);
});
