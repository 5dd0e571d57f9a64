import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The rows a statement changed, +1 for new rows and -1 for old ones (transition tables per event). */
const CHANGES = {
  INSERT: `SELECT community_id, started_at, partner_id, volunteer_id, status, minutes, 1 AS sign FROM new_rows`,
  DELETE: `SELECT community_id, started_at, partner_id, volunteer_id, status, minutes, -1 AS sign FROM old_rows`,
  UPDATE: `SELECT community_id, started_at, partner_id, volunteer_id, status, minutes, 1 AS sign FROM new_rows
           UNION ALL SELECT community_id, started_at, partner_id, volunteer_id, status, minutes, -1 FROM old_rows`,
};

/** The rollups, coarsest first, with the columns of their key after (community, local day). */
const TABLES: [string, string[]][] = [
  ['service_hours_partner_daily', ['partner_id', 'status']],
  ['service_hours_daily', ['status']],
  ['service_hours_volunteer_daily', ['partner_id', 'volunteer_id', 'status']],
];

/** One upsert of a statement's changes into one rollup, summed per key and in key order. */
function upsert(event: keyof typeof CHANGES, table: string, columns: string[]): string {
  const key = ['community_id', 'local_day', ...columns];
  const positions = key.map((_, i) => i + 1).join(', ');
  return `INSERT INTO ${table} AS r (${key.join(', ')}, minutes, logs)
          SELECT d.community_id, (d.started_at AT TIME ZONE c.timezone)::date, ${columns.map((k) => `d.${k}`).join(', ')}, sum(d.sign * d.minutes), sum(d.sign)
            FROM (${CHANGES[event]}) d JOIN community c ON c.id = d.community_id
           GROUP BY ${positions}
           ${event === 'UPDATE' ? 'HAVING sum(d.sign) <> 0 OR sum(d.sign * d.minutes) <> 0' : ''}
           ORDER BY ${positions}
          ON CONFLICT (${key.join(', ')}) DO UPDATE SET minutes = r.minutes + excluded.minutes, logs = r.logs + excluded.logs;`;
}

const branch = (event: keyof typeof CHANGES) => TABLES.map(([table, columns]) => upsert(event, table, columns)).join('\n');

/**
 * Service hours per local day, community, partner (or none), VOLUNTEER and status (issue #17 item
 * 3), so answers by volunteer read the rollups too. Kept by the same statement-level triggers as
 * the other two rollups (migration ServiceHoursRollup), in the writing transaction, the volunteer
 * table last, each table in key order: every writer locks alike, so concurrent writers queue and
 * never deadlock. Erasure (src/privacy) keeps the logs and their volunteer_id (only the person's
 * row loses its name), so it moves nothing here; readers take the name from app_user.
 */
export class ServiceHoursVolunteerRollup1764920000000 implements MigrationInterface {
  name = 'ServiceHoursVolunteerRollup1764920000000';

  async up(q: QueryRunner): Promise<void> {
    // No write may land between the back-fill and the new trigger function: writers wait for the commit.
    await q.query(`LOCK TABLE service_log IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(`
      CREATE TABLE service_hours_volunteer_daily (
        community_id uuid NOT NULL REFERENCES community (id),
        local_day date NOT NULL,
        partner_id uuid REFERENCES partner (id),
        volunteer_id uuid NOT NULL REFERENCES app_user (id),
        status text NOT NULL,
        minutes bigint NOT NULL,
        logs int NOT NULL,
        CONSTRAINT service_hours_volunteer_daily_key UNIQUE NULLS NOT DISTINCT (community_id, local_day, partner_id, volunteer_id, status)
      )`);
    // Read per community and day range (the key, as an index-only scan), or per partner.
    await q.query(`CREATE INDEX service_hours_volunteer_daily_read_idx ON service_hours_volunteer_daily (community_id, local_day) INCLUDE (volunteer_id, status, minutes, logs)`);
    await q.query(`CREATE INDEX service_hours_volunteer_daily_partner_idx ON service_hours_volunteer_daily (partner_id, local_day) INCLUDE (community_id, volunteer_id, status, minutes, logs)`);
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
        DELETE FROM service_hours_partner_daily;
        DELETE FROM service_hours_daily;
        DELETE FROM service_hours_volunteer_daily;
        RETURN NULL;
      END $$`);
    await q.query(`
      INSERT INTO service_hours_volunteer_daily (community_id, local_day, partner_id, volunteer_id, status, minutes, logs)
      SELECT s.community_id, (s.started_at AT TIME ZONE c.timezone)::date, s.partner_id, s.volunteer_id, s.status, sum(s.minutes), count(*)
        FROM service_log s JOIN community c ON c.id = s.community_id
       GROUP BY 1, 2, 3, 4, 5`);
    await q.query(`ANALYZE service_hours_volunteer_daily`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`LOCK TABLE service_log IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(`
      CREATE OR REPLACE FUNCTION service_hours_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM service_hours_partner_daily;
        DELETE FROM service_hours_daily;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION service_hours_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${TABLES.slice(0, 2).map(([t, c]) => upsert('INSERT', t, c)).join('\n')}
        ELSIF TG_OP = 'DELETE' THEN
          ${TABLES.slice(0, 2).map(([t, c]) => upsert('DELETE', t, c)).join('\n')}
        ELSE
          ${TABLES.slice(0, 2).map(([t, c]) => upsert('UPDATE', t, c)).join('\n')}
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`DROP TABLE service_hours_volunteer_daily`);
  }
}
