import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Service hours rolled up per local day (issue #17 item 3), so summaries and the public board's
 * figures read a few rows per community and day instead of every log:
 * - service_hours_partner_daily: (community, local day, partner or none, status) totals, for
 *   answers by partner or filtered by partner;
 * - service_hours_daily: (community, local day, status) totals, for answers by community or month
 *   and the board's figures (bench data log one partner's service at most once a day, so the
 *   partner table is almost as long as the logs; this one is not).
 * The local day is the log's start in its community's time zone (zones never change once set).
 * Kept by statement-level triggers on service_log in the writing transaction, under every write
 * path (one log, bulk decisions in one UPDATE, deletes, the bench's bulk insert): each statement's
 * changes are summed per key and upserted in key order, so concurrent writers queue on the rows
 * they share (ON CONFLICT DO UPDATE adds to the committed row) and never deadlock on each other.
 * No CHECK keeps the counts >= 0: PostgreSQL checks the proposed row (a negative delta) before
 * ON CONFLICT turns it into an update. Rows that fall to zero stay (readers skip buckets without logs). A volunteer logs at most a few
 * times a day, so a per-volunteer daily row would cost about one per log: answers by volunteer
 * keep reading the logs.
 */
export class ServiceHoursRollup1764820000000 implements MigrationInterface {
  name = 'ServiceHoursRollup1764820000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE service_hours_partner_daily (
        community_id uuid NOT NULL REFERENCES community (id),
        local_day date NOT NULL,
        partner_id uuid REFERENCES partner (id),
        status text NOT NULL,
        minutes bigint NOT NULL,
        logs int NOT NULL,
        CONSTRAINT service_hours_partner_daily_key UNIQUE NULLS NOT DISTINCT (community_id, local_day, partner_id, status)
      )`);
    await q.query(`CREATE INDEX service_hours_partner_daily_partner_idx ON service_hours_partner_daily (partner_id, local_day) INCLUDE (community_id, status, minutes, logs)`);
    await q.query(`
      CREATE TABLE service_hours_daily (
        community_id uuid NOT NULL REFERENCES community (id),
        local_day date NOT NULL,
        status text NOT NULL,
        minutes bigint NOT NULL,
        logs int NOT NULL,
        CONSTRAINT service_hours_daily_pkey PRIMARY KEY (community_id, local_day, status)
      )`);
    // One function for the three events: the statement's new rows count +1 and its old rows -1,
    // summed per key; partner rows first, then community rows, each in key order, so every writer
    // locks alike. An update whose sums cancel (nothing moved) touches, so locks, no row. Static
    // SQL (each branch names only its event's transition tables), so PL/pgSQL caches the plans.
    await q.query(`
      CREATE FUNCTION service_hours_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO service_hours_partner_daily AS r (community_id, local_day, partner_id, status, minutes, logs)
          SELECT d.community_id, (d.started_at AT TIME ZONE c.timezone)::date, d.partner_id, d.status, sum(d.sign * d.minutes), sum(d.sign)
            FROM (SELECT community_id, started_at, partner_id, status, minutes, 1 AS sign FROM new_rows) d JOIN community c ON c.id = d.community_id
           GROUP BY 1, 2, 3, 4
           ORDER BY 1, 2, 3, 4
          ON CONFLICT (community_id, local_day, partner_id, status) DO UPDATE SET minutes = r.minutes + excluded.minutes, logs = r.logs + excluded.logs;
          INSERT INTO service_hours_daily AS r (community_id, local_day, status, minutes, logs)
          SELECT d.community_id, (d.started_at AT TIME ZONE c.timezone)::date, d.status, sum(d.sign * d.minutes), sum(d.sign)
            FROM (SELECT community_id, started_at, partner_id, status, minutes, 1 AS sign FROM new_rows) d JOIN community c ON c.id = d.community_id
           GROUP BY 1, 2, 3
           ORDER BY 1, 2, 3
          ON CONFLICT (community_id, local_day, status) DO UPDATE SET minutes = r.minutes + excluded.minutes, logs = r.logs + excluded.logs;
        ELSIF TG_OP = 'DELETE' THEN
          INSERT INTO service_hours_partner_daily AS r (community_id, local_day, partner_id, status, minutes, logs)
          SELECT d.community_id, (d.started_at AT TIME ZONE c.timezone)::date, d.partner_id, d.status, sum(d.sign * d.minutes), sum(d.sign)
            FROM (SELECT community_id, started_at, partner_id, status, minutes, -1 AS sign FROM old_rows) d JOIN community c ON c.id = d.community_id
           GROUP BY 1, 2, 3, 4
           ORDER BY 1, 2, 3, 4
          ON CONFLICT (community_id, local_day, partner_id, status) DO UPDATE SET minutes = r.minutes + excluded.minutes, logs = r.logs + excluded.logs;
          INSERT INTO service_hours_daily AS r (community_id, local_day, status, minutes, logs)
          SELECT d.community_id, (d.started_at AT TIME ZONE c.timezone)::date, d.status, sum(d.sign * d.minutes), sum(d.sign)
            FROM (SELECT community_id, started_at, partner_id, status, minutes, -1 AS sign FROM old_rows) d JOIN community c ON c.id = d.community_id
           GROUP BY 1, 2, 3
           ORDER BY 1, 2, 3
          ON CONFLICT (community_id, local_day, status) DO UPDATE SET minutes = r.minutes + excluded.minutes, logs = r.logs + excluded.logs;
        ELSE
          INSERT INTO service_hours_partner_daily AS r (community_id, local_day, partner_id, status, minutes, logs)
          SELECT d.community_id, (d.started_at AT TIME ZONE c.timezone)::date, d.partner_id, d.status, sum(d.sign * d.minutes), sum(d.sign)
            FROM (SELECT community_id, started_at, partner_id, status, minutes, 1 AS sign FROM new_rows UNION ALL SELECT community_id, started_at, partner_id, status, minutes, -1 FROM old_rows) d JOIN community c ON c.id = d.community_id
           GROUP BY 1, 2, 3, 4
           HAVING sum(d.sign) <> 0 OR sum(d.sign * d.minutes) <> 0
           ORDER BY 1, 2, 3, 4
          ON CONFLICT (community_id, local_day, partner_id, status) DO UPDATE SET minutes = r.minutes + excluded.minutes, logs = r.logs + excluded.logs;
          INSERT INTO service_hours_daily AS r (community_id, local_day, status, minutes, logs)
          SELECT d.community_id, (d.started_at AT TIME ZONE c.timezone)::date, d.status, sum(d.sign * d.minutes), sum(d.sign)
            FROM (SELECT community_id, started_at, partner_id, status, minutes, 1 AS sign FROM new_rows UNION ALL SELECT community_id, started_at, partner_id, status, minutes, -1 FROM old_rows) d JOIN community c ON c.id = d.community_id
           GROUP BY 1, 2, 3
           HAVING sum(d.sign) <> 0 OR sum(d.sign * d.minutes) <> 0
           ORDER BY 1, 2, 3
          ON CONFLICT (community_id, local_day, status) DO UPDATE SET minutes = r.minutes + excluded.minutes, logs = r.logs + excluded.logs;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER service_hours_rollup_insert AFTER INSERT ON service_log REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION service_hours_rollup()`);
    await q.query(`CREATE TRIGGER service_hours_rollup_update AFTER UPDATE ON service_log REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION service_hours_rollup()`);
    await q.query(`CREATE TRIGGER service_hours_rollup_delete AFTER DELETE ON service_log REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION service_hours_rollup()`);
    // TRUNCATE fires no DELETE trigger: it empties the rollups too.
    await q.query(`
      CREATE FUNCTION service_hours_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM service_hours_partner_daily;
        DELETE FROM service_hours_daily;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER service_hours_rollup_truncate AFTER TRUNCATE ON service_log FOR EACH STATEMENT EXECUTE FUNCTION service_hours_rollup_truncate()`);
    // The logs already written.
    await q.query(`
      INSERT INTO service_hours_partner_daily (community_id, local_day, partner_id, status, minutes, logs)
      SELECT s.community_id, (s.started_at AT TIME ZONE c.timezone)::date, s.partner_id, s.status, sum(s.minutes), count(*)
        FROM service_log s JOIN community c ON c.id = s.community_id
       GROUP BY 1, 2, 3, 4`);
    await q.query(`
      INSERT INTO service_hours_daily (community_id, local_day, status, minutes, logs)
      SELECT community_id, local_day, status, sum(minutes), sum(logs) FROM service_hours_partner_daily GROUP BY 1, 2, 3`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const event of ['insert', 'update', 'delete', 'truncate']) await q.query(`DROP TRIGGER service_hours_rollup_${event} ON service_log`);
    await q.query(`DROP FUNCTION service_hours_rollup()`);
    await q.query(`DROP FUNCTION service_hours_rollup_truncate()`);
    await q.query(`DROP TABLE service_hours_daily`);
    await q.query(`DROP TABLE service_hours_partner_daily`);
  }
}
