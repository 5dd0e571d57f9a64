import 'reflect-metadata';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { createDataSource, migrate } from './db/data-source';
import { registry } from './registry';

/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded store). */
async function run() {
  const config = loadConfig();
  const log = createLogger(config.logLevel === 'silent' ? 'silent' : 'info');
  const db = await createDataSource(config, log, registry).initialize();
  const applied = await migrate(db);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'no pending migrations');
  await db.destroy();
}

run().catch((error) => {
  console.error(error);
  process.exit(1);
});
