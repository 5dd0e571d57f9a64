import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Adds one to these rows' versions, creating those not there yet (in key order, as every writer locks them). */
const bump = (communities: string) => `
  INSERT INTO service_hours_version AS v (community_id, version)
  SELECT DISTINCT community_id, 1 FROM (${communities}) changed ORDER BY 1
  ON CONFLICT (community_id) DO UPDATE SET version = v.version + 1;`;

/** Every community's row and the row of NULL. */
const EVERY = 'SELECT id AS community_id FROM community UNION ALL SELECT NULL';

/** A statement-level trigger function that bumps these rows. */
const bumpFunction = (name: string, communities: string) => `
  CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    ${bump(communities)}
    RETURN NULL;
  END $$`;

/**
 * A version per community of everything a service-hours summary is computed from (issue #17
 * item 3: summaries that cost nothing to read), so that a process may answer a summary it computed
 * before while no version under it has moved (src/service-hours/summary-cache.ts):
 *
 * - a community's row moves with every statement that writes its service logs (after the rollup
 *   triggers, which fire first by name, so the lock order stays rollups then version), with
 *   TRUNCATE and with `service_hours_rollup_rebuild()` (which may follow repairs made with the
 *   triggers off);
 * - the row of NULL moves with every rename a summary shows: partners, communities, people (an
 *   erasure renames its person).
 *
 * Versions only grow, so their sum over the rows a summary reads changes with every committed write
 * under it. A community's writers already queue on its monthly rollup rows, so its version row adds
 * no waiting of its own.
 */
export class ServiceHoursVersion1765200000000 implements MigrationInterface {
  name = 'ServiceHoursVersion1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE service_hours_version (
        community_id uuid REFERENCES community (id),
        version bigint NOT NULL,
        CONSTRAINT service_hours_version_key UNIQUE NULLS NOT DISTINCT (community_id)
      )`);
    await q.query(`
      CREATE FUNCTION service_hours_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${bump('SELECT community_id FROM new_rows')}
        ELSIF TG_OP = 'DELETE' THEN
          ${bump('SELECT community_id FROM old_rows')}
        ELSE
          ${bump('SELECT community_id FROM new_rows UNION ALL SELECT community_id FROM old_rows')}
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER service_hours_version_insert AFTER INSERT ON service_log REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION service_hours_version_bump()`);
    await q.query(`CREATE TRIGGER service_hours_version_update AFTER UPDATE ON service_log REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION service_hours_version_bump()`);
    await q.query(`CREATE TRIGGER service_hours_version_delete AFTER DELETE ON service_log REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION service_hours_version_bump()`);
    await q.query(bumpFunction('service_hours_version_bump_all', EVERY));
    await q.query(`CREATE TRIGGER service_hours_version_truncate AFTER TRUNCATE ON service_log FOR EACH STATEMENT EXECUTE FUNCTION service_hours_version_bump_all()`);
    await q.query(bumpFunction('service_hours_version_renamed', 'SELECT NULL::uuid AS community_id'));
    await q.query(`CREATE TRIGGER service_hours_version_partner_renamed AFTER UPDATE OF name ON partner FOR EACH STATEMENT EXECUTE FUNCTION service_hours_version_renamed()`);
    await q.query(`CREATE TRIGGER service_hours_version_community_renamed AFTER UPDATE OF name, timezone ON community FOR EACH STATEMENT EXECUTE FUNCTION service_hours_version_renamed()`);
    await q.query(`CREATE TRIGGER service_hours_version_person_renamed AFTER UPDATE OF display_name ON app_user FOR EACH STATEMENT EXECUTE FUNCTION service_hours_version_renamed()`);
    // The rebuild (bench loads, repairs by hand) keeps its body under another name and moves every version after it.
    await q.query(`ALTER FUNCTION service_hours_rollup_rebuild() RENAME TO service_hours_rollup_refill`);
    await q.query(`
      CREATE FUNCTION service_hours_rollup_rebuild() RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM service_hours_rollup_refill();
        ${bump(EVERY)}
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION service_hours_rollup_rebuild()`);
    await q.query(`ALTER FUNCTION service_hours_rollup_refill() RENAME TO service_hours_rollup_rebuild`);
    for (const [trigger, table] of [
      ['service_hours_version_person_renamed', 'app_user'],
      ['service_hours_version_community_renamed', 'community'],
      ['service_hours_version_partner_renamed', 'partner'],
      ['service_hours_version_truncate', 'service_log'],
      ['service_hours_version_delete', 'service_log'],
      ['service_hours_version_update', 'service_log'],
      ['service_hours_version_insert', 'service_log'],
    ]) {
      await q.query(`DROP TRIGGER ${trigger} ON ${table}`);
    }
    await q.query(`DROP FUNCTION service_hours_version_renamed()`);
    await q.query(`DROP FUNCTION service_hours_version_bump_all()`);
    await q.query(`DROP FUNCTION service_hours_version_bump()`);
    await q.query(`DROP TABLE service_hours_version`);
  }
}
