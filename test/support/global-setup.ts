import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { createDataSource, migrate } from '../../src/db/data-source';
import { registry } from '../../src/registry';
import { createLogger } from '../../src/logger';
import { withAdmin, urlFor } from './pg';

/** Migrates one template database per run; every test file gets a fresh copy of it. */
export default async function globalSetup() {
  process.env.JEST_RUN_ID = randomBytes(6).toString('hex');
  const template = `mp_template_${process.env.JEST_RUN_ID}`;
  await withAdmin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${template}`);
    await c.query(`CREATE DATABASE ${template}`);
  });
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: urlFor(template) });
  const db = await createDataSource(config, createLogger('silent'), { ...registry, poolSize: 1 }).initialize();
  await migrate(db);
  await db.destroy();
}
