import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { closeOverdueRounds, remindPanels } from './ratings.service';

export const RATING_SWEEP_MS = 5 * 60_000;

/**
 * What time does to rating rounds, once at start-up and then every 5 minutes: the panel of a round
 * closing within a day is reminded (once per round), and a round whose `closesAt` has passed is
 * closed and its results published (scores are refused from `closesAt` on, whether or not the
 * sweep has run). Several processes may sweep at once. Returns a function that stops it.
 */
export function startRatingSweep(db: DataSource, log: Logger, everyMs = RATING_SWEEP_MS): () => void {
  const sweep = async () => {
    try {
      const reminded = await remindPanels(db);
      const closed = await closeOverdueRounds(db);
      if (reminded || closed) log.info({ reminded, closed }, 'rating rounds swept');
    } catch (err) {
      log.warn({ err }, 'rating round sweep failed');
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
