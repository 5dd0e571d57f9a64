import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { expireContracts } from './contracts.service';

export const EXPIRY_SWEEP_MS = 10 * 60_000;

/**
 * Records ACTIVE -> EXPIRED in the contracts' history soon after their term ends: once at start-up,
 * then every 10 minutes. Reads do not depend on it (`SpaceContract.status` derives EXPIRED), and
 * several processes may sweep at once. Returns a function that stops it.
 */
export function startContractExpirySweep(db: DataSource, log: Logger, everyMs = EXPIRY_SWEEP_MS): () => void {
  const sweep = () =>
    expireContracts(db).then(
      (n) => n && log.info({ expired: n }, 'space contracts expired'),
      (err) => log.warn({ err }, 'contract expiry sweep failed'),
    );
  void sweep();
  const timer = setInterval(() => void sweep(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
