import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Space-sharing contracts and fixed-slot room bookings. The exclusion constraint is the one
 * guarantee against double booking: it holds across any number of server processes.
 */
export class Spaces1763900200000 implements MigrationInterface {
  name = 'Spaces1763900200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);

    await q.query(`
      CREATE TABLE space_contract (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        community_id uuid NOT NULL REFERENCES community (id),
        room_id uuid NOT NULL REFERENCES room (id),
        partner_id uuid NOT NULL REFERENCES partner (id),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        public_benefit_commitment text NOT NULL CHECK (length(public_benefit_commitment) BETWEEN 1 AND 4000),
        sessions_per_month int NOT NULL CHECK (sessions_per_month BETWEEN 1 AND 31),
        weekly_slots jsonb NOT NULL CHECK (jsonb_typeof(weekly_slots) = 'array' AND jsonb_array_length(weekly_slots) > 0),
        starts_on date NOT NULL,
        ends_on date NOT NULL,
        -- The instant the term ends (midnight after ends_on in the community's zone): ACTIVE past it reads as EXPIRED.
        ends_at timestamptz(3) NOT NULL,
        terminated_on date,
        status text NOT NULL CHECK (status IN ('PENDING_REVIEW', 'ACTIVE', 'REJECTED', 'TERMINATED', 'EXPIRED')),
        proposed_by uuid REFERENCES app_user (id),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CHECK (starts_on <= ends_on AND ends_on - starts_on < 366)
      )`);
    await q.query(`CREATE INDEX space_contract_created_idx ON space_contract (created_at, id)`);
    await q.query(`CREATE INDEX space_contract_community_idx ON space_contract (community_id, created_at, id)`);
    await q.query(`CREATE INDEX space_contract_partner_idx ON space_contract (partner_id, community_id, status)`);
    await q.query(`CREATE INDEX space_contract_room_idx ON space_contract (room_id, created_at, id)`);
    await q.query(`CREATE INDEX space_contract_expiry_idx ON space_contract (ends_at) WHERE status = 'ACTIVE'`);

    await q.query(`
      CREATE TABLE booking (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        community_id uuid NOT NULL REFERENCES community (id),
        room_id uuid NOT NULL REFERENCES room (id),
        partner_id uuid REFERENCES partner (id),
        contract_id uuid REFERENCES space_contract (id),
        start_at timestamptz(3) NOT NULL,
        end_at timestamptz(3) NOT NULL,
        purpose text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 200),
        status text NOT NULL CHECK (status IN ('CONFIRMED', 'CANCELLED')),
        created_by uuid REFERENCES app_user (id),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        cancelled_at timestamptz(3),
        cancel_reason text CHECK (length(cancel_reason) <= 4000),
        CHECK (start_at < end_at),
        CHECK ((status = 'CANCELLED') = (cancelled_at IS NOT NULL)),
        CHECK (contract_id IS NULL OR partner_id IS NOT NULL),
        CONSTRAINT booking_no_double_booking EXCLUDE USING gist (
          community_id WITH =, room_id WITH =, tstzrange(start_at, end_at) WITH &&
        ) WHERE (status = 'CONFIRMED')
      )`);
    await q.query(`CREATE INDEX booking_start_idx ON booking (start_at, id)`);
    await q.query(`CREATE INDEX booking_room_idx ON booking (room_id, start_at)`);
    await q.query(`CREATE INDEX booking_community_idx ON booking (community_id, start_at)`);
    await q.query(`CREATE INDEX booking_partner_idx ON booking (partner_id, start_at) WHERE partner_id IS NOT NULL`);
    await q.query(`CREATE INDEX booking_contract_idx ON booking (contract_id, start_at) WHERE contract_id IS NOT NULL`);
    await q.query(`
      CREATE INDEX booking_public_session_idx ON booking (community_id, start_at)
        WHERE status = 'CONFIRMED' AND contract_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS booking`);
    await q.query(`DROP TABLE IF EXISTS space_contract`);
  }
}
