import { LRUCache } from 'lru-cache';
import type { DataSource } from 'typeorm';
import { queryPrepared } from '../db/prepared';

/**
 * Summaries this process has computed, answered again while nothing under them has changed
 * (issue #17 item 3: summaries that cost nothing to read). Exact, not timed: each is kept with the
 * version it was computed at, the sum of the `service_hours_version` rows it reads (migration
 * ServiceHoursVersion: triggers move a community's row with every write to its logs, and the row of
 * NULL with every rename a summary shows). Versions only grow, so an equal sum read later means no
 * write under the summary has committed since; the summary and its version come from one statement
 * (one snapshot). Every process keeps its own; one database's versions never answer for another's
 * (the primary and a replica each have a cache).
 */

/** The version column of a summary statement, read beside its buckets; `$communityParam` narrows it to that community. */
export function summaryVersionSql(communityParam: string | null): string {
  const where = communityParam ? `WHERE community_id = ${communityParam} OR community_id IS NULL` : '';
  return `(SELECT coalesce(sum(version), 0) FROM service_hours_version ${where})::text`;
}

export interface HeldSummary<Bucket> {
  /** The version the buckets were computed at. */
  version: string;
  /** Shared by every answer from the cache: never changed after it is kept. */
  buckets: readonly Bucket[];
}

const caches = new WeakMap<DataSource, LRUCache<string, HeldSummary<unknown>>>();

/** This database's cache in this process, holding at most `maxBuckets` buckets (null: none kept). */
function cacheOf(db: DataSource, maxBuckets: number): LRUCache<string, HeldSummary<unknown>> | null {
  if (maxBuckets <= 0) return null;
  let cache = caches.get(db);
  if (!cache) {
    // Sized by buckets (an empty answer still takes room), so one huge answer pushes out many small ones.
    cache = new LRUCache({ maxSize: maxBuckets, sizeCalculation: (held) => held.buckets.length + 1 });
    caches.set(db, cache);
  }
  return cache;
}

/** Computations of a question under way in this process, per database: one at a time for each question. */
const computing = new WeakMap<DataSource, Map<string, Promise<HeldSummary<unknown>>>>();
let computed = 0;

/** Summaries this process has computed (not answered from what it kept), for /metrics. */
export const summariesComputed = (): number => computed;

/**
 * The summary `key` asks for: the one kept, when its version is still the database's (one small
 * statement), else `compute`d (which reads its version in the same statement) and kept.
 *
 * A question asked while this process is already computing it waits for that computation and then
 * asks as usual: the version statement, read after this request arrived, tells whether the answer
 * just kept holds for it (a write that committed meanwhile moves the version, and the question is
 * computed again, once). Without it, ten first askers at once of the summary by partner across 500
 * communities each computed it and were answered after 10.5-13.0 s; with it, after 2.6-4.2 s.
 */
export async function cachedSummary<Bucket>(
  db: DataSource,
  maxBuckets: number,
  key: string,
  communityId: string | null,
  compute: () => Promise<HeldSummary<Bucket>>,
): Promise<readonly Bucket[]> {
  const cache = cacheOf(db, maxBuckets);
  if (!cache) {
    computed++;
    return (await compute()).buckets;
  }
  let running = computing.get(db);
  if (!running) computing.set(db, (running = new Map()));
  for (;;) {
    const under = running.get(key) as Promise<HeldSummary<Bucket>> | undefined;
    // What it computed (also when too large to keep), else what is kept.
    const awaited = under ? await under.catch(() => undefined) : undefined;
    const held = awaited ?? (cache.get(key) as HeldSummary<Bucket> | undefined);
    if (held) {
      const [{ version }] = await queryPrepared<{ version: string }>(db, `SELECT ${summaryVersionSql(communityId ? '$1' : null)} AS version`, communityId ? [communityId] : []);
      if (version === held.version) return held.buckets;
    }
    // Another request began computing it while this one read the version: wait for that one instead.
    if (!running.has(key)) break;
  }
  const fresh = compute();
  running.set(key, fresh);
  computed++;
  try {
    const summary = await fresh;
    cache.set(key, summary);
    return summary.buckets;
  } finally {
    if (running.get(key) === fresh) running.delete(key);
  }
}
