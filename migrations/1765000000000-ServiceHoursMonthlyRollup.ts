import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The rows a statement changed, +1 for new rows and -1 for old ones (transition tables per event). */
const CHANGES = {
  INSERT: `SELECT community_id, started_at, partner_id, volunteer_id, status, minutes, 1 AS sign FROM new_rows`,
  DELETE: `SELECT community_id, started_at, partner_id, volunteer_id, status, minutes, -1 AS sign FROM old_rows`,
  UPDATE: `SELECT community_id, started_at, partner_id, volunteer_id, status, minutes, 1 AS sign FROM new_rows
           UNION ALL SELECT community_id, started_at, partner_id, volunteer_id, status, minutes, -1 FROM old_rows`,
};

type Period = 'local_day' | 'local_month';

/** Every rollup, in the order every writer locks them: the daily ones first (as before), then the monthly ones. */
const TABLES: { table: string; period: Period; columns: string[] }[] = [
  { table: 'service_hours_partner_daily', period: 'local_day', columns: ['partner_id', 'status'] },
  { table: 'service_hours_daily', period: 'local_day', columns: ['status'] },
  { table: 'service_hours_volunteer_daily', period: 'local_day', columns: ['partner_id', 'volunteer_id', 'status'] },
  { table: 'service_hours_partner_monthly', period: 'local_month', columns: ['partner_id', 'status'] },
  { table: 'service_hours_monthly', period: 'local_month', columns: ['status'] },
  { table: 'service_hours_volunteer_monthly', period: 'local_month', columns: ['partner_id', 'volunteer_id', 'status'] },
];

/** A log's local day, or the first day of its local month, in its community's zone (`c`). */
const periodOf = (period: Period, startedAt: string) =>
  period === 'local_day' ? `(${startedAt} AT TIME ZONE c.timezone)::date` : `date_trunc('month', ${startedAt} AT TIME ZONE c.timezone)::date`;

/** One upsert of a statement's changes into one rollup, summed per key and in key order. */
function upsert(event: keyof typeof CHANGES, { table, period, columns }: (typeof TABLES)[number]): string {
  const key = ['community_id', period, ...columns];
  const positions = key.map((_, i) => i + 1).join(', ');
  return `INSERT INTO ${table} AS r (${key.join(', ')}, minutes, logs)
          SELECT d.community_id, ${periodOf(period, 'd.started_at')}, ${columns.map((k) => `d.${k}`).join(', ')}, sum(d.sign * d.minutes), sum(d.sign)
            FROM (${CHANGES[event]}) d JOIN community c ON c.id = d.community_id
           GROUP BY ${positions}
           ${event === 'UPDATE' ? 'HAVING sum(d.sign) <> 0 OR sum(d.sign * d.minutes) <> 0' : ''}
           ORDER BY ${positions}
          ON CONFLICT (${key.join(', ')}) DO UPDATE SET minutes = r.minutes + excluded.minutes, logs = r.logs + excluded.logs;`;
}

const branch = (event: keyof typeof CHANGES, tables = TABLES) => tables.map((t) => upsert(event, t)).join('\n');

/** Every rollup emptied and filled again from the logs in one GROUP BY each (the logs locked meanwhile). */
function rebuild(tables = TABLES): string {
  return tables
    .map(
      ({ table, period, columns }) => `
        DELETE FROM ${table};
        INSERT INTO ${table} (community_id, ${period}, ${columns.join(', ')}, minutes, logs)
        SELECT s.community_id, ${periodOf(period, 's.started_at')}, ${columns.map((k) => `s.${k}`).join(', ')}, sum(s.minutes), count(*)
          FROM service_log s JOIN community c ON c.id = s.community_id
         GROUP BY ${[...columns, '', ''].map((_, i) => i + 1).join(', ')};
        ANALYZE ${table};`,
    )
    .join('\n');
}

/**
 * Service hours per local MONTH too (issue #17 item 3): (community, month) totals, by partner and
 * by volunteer as well, so that a summary over a whole period reads the whole local months in it
 * from a row per month and key, the whole days around them from the daily rollups, and only the
 * partial days at either end from the logs (src/service-hours `summarySql`). The public board's
 * verified hours read the community's months. Kept by the same statement-level trigger function as
 * the daily rollups, in the writing transaction, after them and each in key order, so that every
 * writer still locks alike. `service_hours_rollup_rebuild()` empties and refills every rollup from
 * the logs (the bench after a bulk load with the trigger off; an operator after repairing data by
 * hand, at a quiet hour: it locks out writers to the logs until it commits).
 */
export class ServiceHoursMonthlyRollup1765000000000 implements MigrationInterface {
  name = 'ServiceHoursMonthlyRollup1765000000000';

  async up(q: QueryRunner): Promise<void> {
    // No write may land between the back-fill and the new trigger function: writers wait for the commit.
    await q.query(`LOCK TABLE service_log IN SHARE ROW EXCLUSIVE MODE`);
    const month = `CHECK (local_month = date_trunc('month', local_month)::date)`;
    await q.query(`
      CREATE TABLE service_hours_partner_monthly (
        community_id uuid NOT NULL REFERENCES community (id),
        local_month date NOT NULL ${month},
        partner_id uuid REFERENCES partner (id),
        status text NOT NULL,
        minutes bigint NOT NULL,
        logs int NOT NULL,
        CONSTRAINT service_hours_partner_monthly_key UNIQUE NULLS NOT DISTINCT (community_id, local_month, partner_id, status)
      )`);
    await q.query(`CREATE INDEX service_hours_partner_monthly_partner_idx ON service_hours_partner_monthly (partner_id, local_month) INCLUDE (community_id, status, minutes, logs)`);
    await q.query(`
      CREATE TABLE service_hours_monthly (
        community_id uuid NOT NULL REFERENCES community (id),
        local_month date NOT NULL ${month},
        status text NOT NULL,
        minutes bigint NOT NULL,
        logs int NOT NULL,
        CONSTRAINT service_hours_monthly_pkey PRIMARY KEY (community_id, local_month, status)
      )`);
    await q.query(`
      CREATE TABLE service_hours_volunteer_monthly (
        community_id uuid NOT NULL REFERENCES community (id),
        local_month date NOT NULL ${month},
        partner_id uuid REFERENCES partner (id),
        volunteer_id uuid NOT NULL REFERENCES app_user (id),
        status text NOT NULL,
        minutes bigint NOT NULL,
        logs int NOT NULL,
        CONSTRAINT service_hours_volunteer_monthly_key UNIQUE NULLS NOT DISTINCT (community_id, local_month, partner_id, volunteer_id, status)
      )`);
    await q.query(`CREATE INDEX service_hours_volunteer_monthly_read_idx ON service_hours_volunteer_monthly (community_id, local_month) INCLUDE (volunteer_id, status, minutes, logs)`);
    await q.query(`CREATE INDEX service_hours_volunteer_monthly_partner_idx ON service_hours_volunteer_monthly (partner_id, local_month) INCLUDE (community_id, volunteer_id, status, minutes, logs)`);
    await q.query(`
      CREATE OR REPLACE FUNCTION service_hours_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${branch('INSERT')}
        ELSIF TG_OP = 'DELETE' THEN
          ${branch('DELETE')}
        ELSE
          ${branch('UPDATE')}
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION service_hours_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${TABLES.map((t) => `DELETE FROM ${t.table};`).join('\n        ')}
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION service_hours_rollup_rebuild() RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        LOCK TABLE service_log IN SHARE ROW EXCLUSIVE MODE;
        ${rebuild()}
      END $$`);
    // The logs already written (the daily rollups are already right).
    await q.query(rebuild(TABLES.filter((t) => t.period === 'local_month')));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`LOCK TABLE service_log IN SHARE ROW EXCLUSIVE MODE`);
    const daily = TABLES.filter((t) => t.period === 'local_day');
    await q.query(`DROP FUNCTION service_hours_rollup_rebuild()`);
    await q.query(`
      CREATE OR REPLACE FUNCTION service_hours_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${daily.map((t) => `DELETE FROM ${t.table};`).join('\n        ')}
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION service_hours_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${branch('INSERT', daily)}
        ELSIF TG_OP = 'DELETE' THEN
          ${branch('DELETE', daily)}
        ELSE
          ${branch('UPDATE', daily)}
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`DROP TABLE service_hours_volunteer_monthly`);
    await q.query(`DROP TABLE service_hours_monthly`);
    await q.query(`DROP TABLE service_hours_partner_monthly`);
  }
}
