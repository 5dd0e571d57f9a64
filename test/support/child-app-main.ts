import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app';
import { setClock, setClockFromEnv } from '../../src/common/clock';
import { createDataSource } from '../../src/db/data-source';
import { registry } from '../../src/registry';
import { createLogger } from '../../src/logger';
import { testConfig } from './app';

/** Entry of the forked server process (see child-app.ts). */
async function main() {
  const env = JSON.parse(process.env.CHILD_APP_ENV ?? '{}') as Record<string, string>;
  const config = testConfig(process.env.DATABASE_URL!, env);
  setClockFromEnv(process.env);
  if (env.CLOCK_START) setClock(env.CLOCK_START, { frozen: env.CLOCK_FROZEN === 'true' });
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const db = await createDataSource(config, log, { ...registry, poolSize: 10 }).initialize();
  const handle = await createApp({ db, config, log });
  handle.server.listen(0, '127.0.0.1', () => process.send!({ port: (handle.server.address() as AddressInfo).port }));
  const stop = async () => {
    await handle.drain();
    await db.destroy();
    process.exit(0);
  };
  process.on('message', (m) => m === 'stop' && void stop());
  process.on('disconnect', () => void stop());
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
