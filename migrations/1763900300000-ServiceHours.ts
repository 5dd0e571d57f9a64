import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Service-hour logs. A volunteer's logs never overlap (non-rejected ones), across every community:
 * the exclusion constraint is per volunteer, not per community (see docs/service-hours.md: under
 * Citus, service_log is distributed by volunteer_id). match_id and contract_id get their foreign
 * keys when the demand and spaces migrations are merged.
 */
export class ServiceHours1763900300000 implements MigrationInterface {
  name = 'ServiceHours1763900300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE service_log (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        community_id uuid NOT NULL REFERENCES community (id),
        volunteer_id uuid NOT NULL REFERENCES app_user (id),
        partner_id uuid REFERENCES partner (id),
        match_id uuid,
        contract_id uuid,
        started_at timestamptz(3) NOT NULL,
        ended_at timestamptz(3) NOT NULL,
        minutes int NOT NULL,
        description text NOT NULL CHECK (length(description) BETWEEN 1 AND 4000),
        status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'VERIFIED', 'REJECTED')),
        verified_by_id uuid REFERENCES app_user (id),
        verified_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT service_log_minutes_check
          CHECK (minutes = floor(extract(epoch FROM ended_at - started_at) / 60) AND minutes BETWEEN 1 AND 720),
        -- Never in the future, never older than 90 days when logged (a little slack for clock skew).
        CONSTRAINT service_log_not_future_check CHECK (ended_at <= created_at + interval '5 minutes'),
        CONSTRAINT service_log_recent_check CHECK (started_at >= created_at - interval '90 days 5 minutes'),
        CONSTRAINT service_log_one_link_check CHECK (match_id IS NULL OR contract_id IS NULL),
        CONSTRAINT service_log_link_needs_partner_check CHECK (partner_id IS NOT NULL OR (match_id IS NULL AND contract_id IS NULL)),
        -- Nobody verifies their own service log.
        CONSTRAINT service_log_not_self_verified_check CHECK (verified_by_id <> volunteer_id),
        CONSTRAINT service_log_decided_check CHECK ((status = 'PENDING') = (verified_at IS NULL)),
        CONSTRAINT service_log_no_overlap
          EXCLUDE USING gist (volunteer_id WITH =, tstzrange(started_at, ended_at, '[)') WITH &&)
          WHERE (status <> 'REJECTED')
      )`);
    // Lists and summaries: one community, one partner or one volunteer over a time range; the
    // included columns let the summaries aggregate from the index alone.
    await q.query(`
      CREATE INDEX service_log_community_idx ON service_log (community_id, started_at, id)
        INCLUDE (status, minutes, partner_id, volunteer_id)`);
    await q.query(`
      CREATE INDEX service_log_partner_idx ON service_log (partner_id, started_at, id)
        INCLUDE (status, minutes, community_id, volunteer_id) WHERE partner_id IS NOT NULL`);
    await q.query(`CREATE INDEX service_log_volunteer_idx ON service_log (volunteer_id, started_at, id)`);
    await q.query(`CREATE INDEX service_log_started_idx ON service_log (started_at, id) INCLUDE (status, minutes, community_id, partner_id, volunteer_id)`);
    await q.query(`CREATE INDEX service_log_contract_idx ON service_log (contract_id, started_at) WHERE contract_id IS NOT NULL`);
    await q.query(`CREATE INDEX service_log_match_idx ON service_log (match_id) WHERE match_id IS NOT NULL`);

    // A decided log is final: it is never deleted nor changed again (the history points at it).
    await q.query(`
      CREATE FUNCTION service_log_keep_decided() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.status <> 'PENDING' THEN
          RAISE EXCEPTION 'service log % is %; it can be neither deleted nor changed', OLD.id, OLD.status
            USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END $$`);
    await q.query(`
      CREATE TRIGGER service_log_keep_decided BEFORE UPDATE OR DELETE ON service_log
        FOR EACH ROW EXECUTE FUNCTION service_log_keep_decided()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS service_log`);
    await q.query(`DROP FUNCTION IF EXISTS service_log_keep_decided()`);
  }
}
