import 'reflect-metadata';
import { ensureAdmin } from '../auth/auth.service';
import { loadConfig } from '../config';
import { createDataSource, migrate } from '../db/data-source';
import { registry } from '../registry';
import { createLogger } from '../logger';
import { DEMO_PASSWORD, isDatabaseEmpty, seedDemo } from './seed';

/** `npm run seed`: loads the demo into an empty database and prints the accounts. */
async function run() {
  const config = loadConfig();
  const db = await createDataSource(config, createLogger('warn'), registry).initialize();
  await migrate(db);
  await ensureAdmin(db, config);
  if (!(await isDatabaseEmpty(db))) {
    console.log('The database already holds communities; nothing seeded.');
  } else {
    const accounts = await seedDemo(db, config);
    console.log(`Demo data loaded. Every demo account's password: ${DEMO_PASSWORD}`);
    console.table([{ email: config.adminEmail, displayName: 'Administrator', role: 'admin (ADMIN_PASSWORD)' }, ...accounts]);
  }
  await db.destroy();
}

run().catch((error) => {
  console.error(error);
  process.exit(1);
});
