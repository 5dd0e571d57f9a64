import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A booking's purpose (issues #15 item 4, #16 item 2): a PUBLIC_BENEFIT session a contract promises
 * to the residents, or OWN_USE, the booker's own use of the room (every booking outside a contract,
 * and a contract's own-use slots, `space_contract.own_use_slots`). Only a contract's booking can be
 * a public-benefit session. Every contract booking so far was one: they are marked so.
 */
export class BookingPurpose1764740000000 implements MigrationInterface {
  name = 'BookingPurpose1764740000000';

  async up(q: QueryRunner): Promise<void> {
    // The default is the private one: a booking nobody marked is never listed as a public session.
    await q.query(`
      ALTER TABLE booking ADD COLUMN kind text NOT NULL DEFAULT 'OWN_USE'
        CONSTRAINT booking_kind_check CHECK (kind IN ('OWN_USE', 'PUBLIC_BENEFIT'))`);
    await q.query(`UPDATE booking SET kind = 'PUBLIC_BENEFIT' WHERE contract_id IS NOT NULL`);
    await q.query(`ALTER TABLE booking ADD CONSTRAINT booking_public_benefit_needs_contract_check CHECK (kind = 'OWN_USE' OR contract_id IS NOT NULL)`);
    await q.query(`ALTER TABLE space_contract ADD COLUMN own_use_slots jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(own_use_slots) = 'array')`);
    // The public board's sessions by local date, and the figures' count of those held.
    await q.query(`DROP INDEX IF EXISTS booking_public_session_idx`);
    await q.query(`
      CREATE INDEX booking_public_session_idx ON booking (community_id, start_at, id)
        WHERE status = 'CONFIRMED' AND kind = 'PUBLIC_BENEFIT'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS booking_public_session_idx`);
    await q.query(`
      CREATE INDEX booking_public_session_idx ON booking (community_id, start_at)
        WHERE status = 'CONFIRMED' AND contract_id IS NOT NULL`);
    await q.query(`ALTER TABLE space_contract DROP COLUMN own_use_slots`);
    await q.query(`ALTER TABLE booking DROP CONSTRAINT booking_public_benefit_needs_contract_check`);
    await q.query(`ALTER TABLE booking DROP COLUMN kind`);
  }
}
