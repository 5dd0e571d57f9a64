import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tables distributed by community under Citus: their key becomes (community_id, id). */
const BY_COMMUNITY = ['room', 'partnership', 'demand_item', 'demand_match', 'evaluation', 'space_contract', 'booking'];

/**
 * Foreign keys to those tables (and to service_log), rewritten to carry the distribution column on
 * both sides. Same names as before, so deploy/citus.sql and the tests can name them.
 */
const FOREIGN_KEYS: { table: string; name: string; column: string; target: string; via: string; targetVia: string }[] = [
  { table: 'space_contract', name: 'space_contract_room_id_fkey', column: 'room_id', target: 'room', via: 'community_id', targetVia: 'community_id' },
  { table: 'booking', name: 'booking_room_id_fkey', column: 'room_id', target: 'room', via: 'community_id', targetVia: 'community_id' },
  { table: 'booking', name: 'booking_contract_id_fkey', column: 'contract_id', target: 'space_contract', via: 'community_id', targetVia: 'community_id' },
  { table: 'demand_match', name: 'demand_match_demand_id_fkey', column: 'demand_id', target: 'demand_item', via: 'community_id', targetVia: 'community_id' },
  { table: 'evaluation', name: 'evaluation_match_id_fkey', column: 'match_id', target: 'demand_match', via: 'community_id', targetVia: 'community_id' },
  // Between tables distributed by different columns: kept here, dropped by deploy/citus.sql.
  { table: 'service_log', name: 'service_log_match_fk', column: 'match_id', target: 'demand_match', via: 'community_id', targetVia: 'community_id' },
  { table: 'service_log', name: 'service_log_contract_fk', column: 'contract_id', target: 'space_contract', via: 'community_id', targetVia: 'community_id' },
  { table: 'notification', name: 'notification_partnership_id_fkey', column: 'partnership_id', target: 'partnership', via: 'community_id', targetVia: 'community_id' },
  { table: 'notification', name: 'notification_match_fk', column: 'match_id', target: 'demand_match', via: 'community_id', targetVia: 'community_id' },
  { table: 'notification', name: 'notification_contract_fk', column: 'contract_id', target: 'space_contract', via: 'community_id', targetVia: 'community_id' },
  { table: 'notification', name: 'notification_booking_fk', column: 'booking_id', target: 'booking', via: 'community_id', targetVia: 'community_id' },
  // service_log is keyed (volunteer_id, id) and nothing else is unique on it, so a reference by id
  // alone cannot stay. notification has no volunteer column, but a notification naming a service
  // log is always the volunteer's own (SERVICE_LOG_VERIFIED / _REJECTED go to the volunteer only):
  // the recipient is the volunteer. Referencing (user_id, service_log_id) keeps the check, adds
  // one (nobody else is told "your log") and survives Citus: notification and service_log are
  // both distributed by a user id and colocated. The rejected alternatives: dropping the key
  // (loses integrity), a UNIQUE (id) on service_log (Citus refuses it), copying the volunteer
  // into notification (a column only the key would use).
  { table: 'notification', name: 'notification_service_log_fk', column: 'service_log_id', target: 'service_log', via: 'user_id', targetVia: 'volunteer_id' },
];

/**
 * Keys fit for Citus (README "Beyond one machine", deploy/citus.sql): Citus wants the distribution
 * column in every primary key, unique and exclusion constraint of a distributed table, and in both
 * sides of a foreign key between distributed tables.
 *
 * - The community tables are keyed (community_id, id); service_log (volunteer_id, id); notification
 *   (user_id, id). Each keeps a plain index on (id): lookups by id alone (DataLoaders, `WHERE id =
 *   ANY($1)`) stay index scans. TypeORM entities still name `id` as their primary column: it is
 *   the identity the code uses; uuids stay unique in practice, the database no longer promises it
 *   for id alone.
 * - status_change is distributed by object_id, not community_id: offer history has no community
 *   (supply_offer is a reference table), and history is only ever read per object. Its key becomes
 *   (object_id, seq); nothing references it.
 * - Every foreign key to those tables becomes composite and carries the distribution column on
 *   both sides, so it now also refuses a reference to another community's row. Where the
 *   referencing community_id may be NULL (notification) a composite key would not be checked
 *   (MATCH SIMPLE): notification_refs_need_community_check makes community_id required whenever a
 *   community object is named.
 * - Foreign keys Citus will not take (service_log and notification to community tables: other
 *   distribution columns) stay on plain PostgreSQL; deploy/citus.sql drops them at the Citus step.
 *
 * Existing rows must already agree (a reference to another community's row fails this migration).
 */
export class CitusReady1763900600000 implements MigrationInterface {
  name = 'CitusReady1763900600000';

  async up(q: QueryRunner): Promise<void> {
    // Foreign keys hang on the primary keys about to change: off first, back composite at the end.
    for (const fk of FOREIGN_KEYS) await q.query(`ALTER TABLE ${fk.table} DROP CONSTRAINT ${fk.name}`);

    for (const table of BY_COMMUNITY) await this.rekey(q, table, 'community_id');
    await this.rekey(q, 'service_log', 'volunteer_id');
    await this.rekey(q, 'notification', 'user_id');
    // History is read per object (status_change_object_idx); nothing looks a change up by seq.
    await q.query(`ALTER TABLE status_change DROP CONSTRAINT status_change_pkey`);
    await q.query(`ALTER TABLE status_change ADD CONSTRAINT status_change_pkey PRIMARY KEY (object_id, seq)`);

    await q.query(`
      ALTER TABLE notification ADD CONSTRAINT notification_refs_need_community_check
        CHECK (community_id IS NOT NULL OR num_nonnulls(partnership_id, match_id, contract_id, booking_id) = 0)`);
    for (const fk of FOREIGN_KEYS) {
      await q.query(
        `ALTER TABLE ${fk.table} ADD CONSTRAINT ${fk.name} FOREIGN KEY (${fk.via}, ${fk.column}) REFERENCES ${fk.target} (${fk.targetVia}, id)`,
      );
    }
  }

  /** `table` keyed (`distribution`, `id`), with a plain index on `id`. */
  private async rekey(q: QueryRunner, table: string, distribution: string): Promise<void> {
    await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey`);
    await q.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_pkey PRIMARY KEY (${distribution}, id)`);
    await q.query(`CREATE INDEX ${table}_id_idx ON ${table} (id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const fk of FOREIGN_KEYS) await q.query(`ALTER TABLE ${fk.table} DROP CONSTRAINT ${fk.name}`);
    await q.query(`ALTER TABLE notification DROP CONSTRAINT notification_refs_need_community_check`);
    await q.query(`ALTER TABLE status_change DROP CONSTRAINT status_change_pkey`);
    await q.query(`ALTER TABLE status_change ADD CONSTRAINT status_change_pkey PRIMARY KEY (seq)`);
    for (const table of [...BY_COMMUNITY, 'service_log', 'notification']) {
      await q.query(`DROP INDEX ${table}_id_idx`);
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey`);
      await q.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_pkey PRIMARY KEY (id)`);
    }
    for (const fk of FOREIGN_KEYS) {
      await q.query(`ALTER TABLE ${fk.table} ADD CONSTRAINT ${fk.name} FOREIGN KEY (${fk.column}) REFERENCES ${fk.target} (id)`);
    }
  }
}
