import { withAdmin } from './pg';
import type { Bouncer } from './real-parts';

export default async function globalTeardown() {
  await (globalThis as { testPgBouncer?: Bouncer }).testPgBouncer?.destroy();
  const template = `mp_template_${process.env.JEST_RUN_ID}`;
  await withAdmin(async (c) => {
    // Test files drop their own copies; this also clears copies left by a crashed worker.
    const { rows } = await c.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`mp_test_${process.env.JEST_RUN_ID}%`]);
    for (const { datname } of rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await c.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
  });
}
