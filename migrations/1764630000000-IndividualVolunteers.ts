import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Individual volunteers (issue #14, item 3): a resident claims a WISH item alone. A match is then
 * its volunteer's instead of a partner's: exactly one of the two is set, and an offer (always a
 * partner's) only with a partner. The over-claim guarantee is the demand item's own
 * (`demand_item_no_over_claim` and the item's row lock), whoever holds the units. An evaluation of
 * such a match has no partner; a service log may name an individual's match without a partner.
 */
export class IndividualVolunteers1764630000000 implements MigrationInterface {
  name = 'IndividualVolunteers1764630000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE demand_match ALTER COLUMN partner_id DROP NOT NULL`);
    await q.query(`ALTER TABLE demand_match ADD COLUMN volunteer_id uuid REFERENCES app_user (id)`);
    await q.query(`
      ALTER TABLE demand_match ADD CONSTRAINT demand_match_partner_or_volunteer_check
        CHECK ((partner_id IS NULL) <> (volunteer_id IS NULL) AND (volunteer_id IS NULL OR (offer_id IS NULL AND origin = 'CLAIM')))`);
    await q.query(`CREATE INDEX demand_match_volunteer_idx ON demand_match (volunteer_id, status, created_at, id) WHERE volunteer_id IS NOT NULL`);
    await q.query(`ALTER TABLE evaluation ALTER COLUMN partner_id DROP NOT NULL`);
    await q.query(`ALTER TABLE service_log DROP CONSTRAINT service_log_link_needs_partner_check`);
    await q.query(`ALTER TABLE service_log ADD CONSTRAINT service_log_link_needs_partner_check CHECK (partner_id IS NOT NULL OR contract_id IS NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE service_log DROP CONSTRAINT service_log_link_needs_partner_check`);
    await q.query(`
      ALTER TABLE service_log ADD CONSTRAINT service_log_link_needs_partner_check
        CHECK (partner_id IS NOT NULL OR (match_id IS NULL AND contract_id IS NULL))`);
    await q.query(`ALTER TABLE evaluation ALTER COLUMN partner_id SET NOT NULL`);
    await q.query(`DROP INDEX IF EXISTS demand_match_volunteer_idx`);
    await q.query(`ALTER TABLE demand_match DROP CONSTRAINT demand_match_partner_or_volunteer_check`);
    await q.query(`ALTER TABLE demand_match DROP COLUMN volunteer_id`);
    await q.query(`ALTER TABLE demand_match ALTER COLUMN partner_id SET NOT NULL`);
  }
}
