import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Foreign keys between domains that were built side by side: service logs and notifications point at matches, contracts and bookings. */
export class Links1763900500000 implements MigrationInterface {
  name = 'Links1763900500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE service_log ADD CONSTRAINT service_log_match_fk FOREIGN KEY (match_id) REFERENCES demand_match (id)`);
    await q.query(`ALTER TABLE service_log ADD CONSTRAINT service_log_contract_fk FOREIGN KEY (contract_id) REFERENCES space_contract (id)`);
    await q.query(`ALTER TABLE notification ADD CONSTRAINT notification_match_fk FOREIGN KEY (match_id) REFERENCES demand_match (id)`);
    await q.query(`ALTER TABLE notification ADD CONSTRAINT notification_contract_fk FOREIGN KEY (contract_id) REFERENCES space_contract (id)`);
    await q.query(`ALTER TABLE notification ADD CONSTRAINT notification_booking_fk FOREIGN KEY (booking_id) REFERENCES booking (id)`);
    await q.query(`ALTER TABLE notification ADD CONSTRAINT notification_service_log_fk FOREIGN KEY (service_log_id) REFERENCES service_log (id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table, constraint] of [
      ['notification', 'notification_service_log_fk'],
      ['notification', 'notification_booking_fk'],
      ['notification', 'notification_contract_fk'],
      ['notification', 'notification_match_fk'],
      ['service_log', 'service_log_contract_fk'],
      ['service_log', 'service_log_match_fk'],
    ]) {
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${constraint}`);
    }
  }
}
