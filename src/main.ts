import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { setClockFromEnv } from './common/clock';
import { ensureAdmin } from './auth/auth.service';
import { ConfigError, generatedSecrets, loadConfig } from './config';
import { DataDirLockedError } from './db/data-dir-lock';
import { createDataSource, migrate } from './db/data-source';
import { registry } from './registry';
import { createLogger } from './logger';
import { isDatabaseEmpty, seedDemo } from './seed/seed';
import { startContractExpirySweep } from './spaces/expiry';
import { startRatingSweep } from './ratings/ratings.sweep';

/** Process entry: configuration, database, migrations, admin, demo data, listen, graceful shutdown. */
async function main() {
  const config = loadConfig();
  setClockFromEnv(process.env);
  const log = createLogger(config.logLevel, config.logFormat);
  for (const name of generatedSecrets()) {
    log.warn(`${name} is not set; using a ${name === 'JWT_SECRET' ? 'random secret (tokens end with this process)' : 'demo default'}`);
  }
  const db = createDataSource(config, log, registry);
  await db.initialize();
  log.info({ store: config.databaseUrl ? 'postgresql' : `pglite:${config.dataDir}` }, 'database connected');
  const applied = await migrate(db);
  if (applied.length) log.info({ applied }, 'migrations applied');
  await ensureAdmin(db, config);
  if (config.seedOnEmpty && (await isDatabaseEmpty(db))) {
    const accounts = await seedDemo(db, config);
    log.info({ accounts: accounts.map((a) => a.email) }, 'empty database: demo data loaded (see README for passwords)');
  }

  const handle = await createApp({ db, config, log });
  await new Promise<void>((resolve) => handle.server.listen(config.port, resolve));
  // PORT=0 asks the kernel for a free port: name the one we got.
  const { port } = handle.server.address() as AddressInfo;
  const { introspection, landingPage, corsOrigins, limits, rateLimit, trustProxy } = config;
  log.info({ introspection, landingPage, corsOrigins, limits, rateLimit, trustProxy }, `listening on http://localhost:${port}/graphql`);
  const stopExpirySweep = startContractExpirySweep(db, log);
  const stopRatingSweep = startRatingSweep(db, log);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'draining');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownDelayMs + 20_000);
    force.unref();
    try {
      stopExpirySweep();
      stopRatingSweep();
      // Fail readiness first and keep serving a while, so the load balancer stops sending traffic.
      handle.markDraining();
      if (config.shutdownDelayMs) await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
      await handle.drain();
      await db.destroy();
      log.info('stopped');
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // A supervisor holding an IPC channel (the tests spawn us so) learns the port once we also drain on
  // SIGTERM; a port it picked beforehand could be taken by another process while we migrate.
  process.send?.({ listening: port });
}

main().catch((error) => {
  if (error instanceof ConfigError) console.error(`configuration error: ${error.message}`);
  else if (error instanceof DataDirLockedError) console.error(`cannot start: ${error.message}`);
  else console.error(error);
  process.exit(1);
});
