/**
 * What the benchmark found short of a DESIGN.md target, the cause, the fix, and the figures
 * before and after (full default scale on the 2-core machine). Printed into RESULTS.md by every run.
 */
export const FINDINGS: { target: string; cause: string; fix: string; before: string; after: string }[] = [
  {
    target: 'any list over 1M rows, any page (bookings, service logs)',
    cause:
      'the keyset condition was written as `(a > x) OR (a = x AND id > y)`, which PostgreSQL cannot turn into an index range: EXPLAIN ANALYZE showed 950,001 rows removed by filter for a page at 95%',
    fix: 'a row comparison `(a, id) > (x, y)` whenever the order has one direction (src/common/pagination.ts)',
    before: 'bookings: first page p50 92 ms, page at 90-99% p50 4,479 ms (x48); service logs x2.2',
    after: 'bookings x1.03, service logs x1.15',
  },
  {
    target: '200 concurrent bookSlot on one slot, two server processes',
    cause:
      "200 inserts into one range at once: each waited on the others' uncommitted rows for the exclusion check; the waits deadlocked, were retried and ran into the 15 s statement timeout",
    fix: 'requests for one occurrence queue on a transaction-scoped advisory lock before inserting (src/spaces/bookings.service.ts); the constraint still decides',
    before: '1 CONFIRMED, 3 CONFLICT, 196 INTERNAL_SERVER_ERROR (p50 54 s)',
    after: '1/199/0 in each of 3 races, about 1.2 s for all 200',
  },
  {
    target: 'nested read throughput >= PostGraphile',
    cause:
      'CPU in our process per request: jsonwebtoken rebuilt the HMAC key on every verify (about 0.4 ms), TypeORM\'s query builder in every DataLoader batch, Apollo\'s per-field cache-control instrumentation; then 5 SQL round trips (socket writes 12% of samples), GC 11%, graphql-js execution 10%',
    fix: 'a key object per secret; loaders hydrate one plain SELECT with the entities\' column mapping; cache control off',
    before: '135 vs 669 req/s (x0.20); server CPU 6.95 vs 1.24 ms per request',
    after: '254 vs 742 req/s (x0.34); server CPU 4.37 vs 1.31 ms per request: still not met (PostGraphile answers with one SQL statement that builds the JSON in PostgreSQL)',
  },
  {
    target: 'nested read throughput >= PostGraphile (second round)',
    cause:
      "profiles of the rest, per request: 5 SQL round trips, each parsed and planned by PostgreSQL and hydrated by TypeORM; graphql-js execution with a type-graphql adapter around every field (a quarter of the samples); the whole query walked for its cost and every token's signature checked on every request; every response hashed for an ETag. PostGraphile sends one prepared statement that builds the JSON",
    fix:
      'look-ahead: the page and the relations the query selects in one statement, each row one JSON array, related rows pruned to what their fields read (src/common/prefetch.ts); list pages as named prepared statements (src/db/prepared.ts); operations compiled by graphql-jit behind Apollo (src/ops/compiled-execution.ts); plain fields without adapters, simple field resolvers called directly; cost per query shape and verified tokens remembered; no ETags. The load now alternates between the two servers (3 rounds each) so that drift in the machine falls on both',
    before: '264 vs 696 req/s (x0.38); server CPU 4.26 vs 1.39 ms per request; 5 statements',
    after: '712.7 vs 616.0 req/s (x1.16; rounds 644/534, 723/651, 770/662); server CPU 1.30 vs 1.52 ms per request; 1 statement. Other reads gained too (review queue 296 -> 442-663 req/s, booking pages 159 -> 217-291)',
  },
];
