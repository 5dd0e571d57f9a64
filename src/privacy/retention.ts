import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { now } from '../common/clock';
import { inTransaction } from '../db/transaction';
import type { Metrics } from '../ops/metrics';

/** The advisory lock that lets one process at a time run the retention job (any key; this one is ours). */
const RETENTION_LOCK = 19_019_019;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface Purged {
  readNotifications: number;
  idempotencyKeys: number;
  expiredSignedLinks: number;
}

/**
 * Deletes what is past its retention period (docs/personal-data.md "Retention"): notifications read
 * more than `readNotificationDays` ago, idempotency keys older than `idempotencyKeyHours`, signed
 * links expired more than `expiredLinkDays` ago. One transaction holding a transaction-scoped
 * advisory lock: a process that finds the lock taken skips this round (null), since another is
 * doing the same work. Counts go to `retention_purged_rows_total`.
 */
export async function purgeExpired(db: DataSource, config: Config, metrics?: Metrics): Promise<Purged | null> {
  const at = now().getTime();
  const { readNotificationDays, idempotencyKeyHours, expiredLinkDays } = config.retention;
  const purged = await inTransaction(db, async (tx) => {
    const [{ locked }]: { locked: boolean }[] = await tx.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [RETENTION_LOCK]);
    if (!locked) return null;
    const deleted = async (sql: string, cutoff: number) => {
      const [row]: { n: number }[] = await tx.query(`WITH d AS (${sql} RETURNING 1) SELECT count(*)::int AS n FROM d`, [new Date(cutoff)]);
      return row.n;
    };
    return {
      readNotifications: await deleted(`DELETE FROM notification WHERE read_at < $1`, at - readNotificationDays * DAY),
      idempotencyKeys: await deleted(`DELETE FROM idempotency_key WHERE created_at < $1`, at - idempotencyKeyHours * HOUR),
      expiredSignedLinks: await deleted(`DELETE FROM signed_link WHERE expires_at < $1`, at - expiredLinkDays * DAY),
    };
  });
  if (purged && metrics) {
    metrics.retentionPurged.inc({ kind: 'read_notifications' }, purged.readNotifications);
    metrics.retentionPurged.inc({ kind: 'idempotency_keys' }, purged.idempotencyKeys);
    metrics.retentionPurged.inc({ kind: 'expired_signed_links' }, purged.expiredSignedLinks);
  }
  return purged;
}

/**
 * Runs `purgeExpired` every `retention.everyMs` (first after one period, not at start) inside the
 * server. Returns a function that stops it.
 */
export function startRetention(db: DataSource, config: Config, log: Logger, metrics: Metrics): () => void {
  if (!config.retention.everyMs) return () => undefined;
  const run = async () => {
    try {
      const purged = await purgeExpired(db, config, metrics);
      if (purged && Object.values(purged).some(Boolean)) log.info(purged, 'retention: expired personal data purged');
    } catch (err) {
      log.warn({ err }, 'retention: purge failed');
    }
  };
  const timer = setInterval(() => void run(), config.retention.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
