import type { MigrationInterface, QueryRunner } from 'typeorm';

const CATEGORIES = `('SPACE', 'VOLUNTEER_SERVICE', 'GOODS', 'EXPERTISE', 'FUNDING', 'EVENT', 'OTHER')`;
const URGENCIES = `('LOW', 'NORMAL', 'HIGH', 'URGENT')`;
const URGENCY_RANK = `CASE urgency WHEN 'URGENT' THEN 3 WHEN 'HIGH' THEN 2 WHEN 'NORMAL' THEN 1 ELSE 0 END`;

/** Demand items, the resource pool (supply offers), matches and their evaluations. */
export class Demand1763900100000 implements MigrationInterface {
  name = 'Demand1763900100000';

  async up(q: QueryRunner): Promise<void> {
    // Chinese has no spaces, so plain trigrams of a sentence rarely overlap; spacing out CJK
    // characters makes pg_trgm similarity measure shared characters instead.
    await q.query(`
      CREATE FUNCTION cjk_spaced(t text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT regexp_replace(lower(t), '([\\u3400-\\u9fff])', ' \\1 ', 'g') $$`);

    await q.query(`
      CREATE TABLE demand_item (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        community_id uuid NOT NULL REFERENCES community (id),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        description text CHECK (length(description) <= 4000),
        category text NOT NULL CHECK (category IN ${CATEGORIES}),
        quantity int NOT NULL CHECK (quantity BETWEEN 1 AND 1000000),
        unit text NOT NULL CHECK (length(unit) BETWEEN 1 AND 50),
        urgency text NOT NULL DEFAULT 'NORMAL' CHECK (urgency IN ${URGENCIES}),
        urgency_rank smallint GENERATED ALWAYS AS (${URGENCY_RANK}) STORED,
        needed_by timestamptz(3),
        status text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'MATCHED', 'FULFILLED', 'CANCELLED')),
        -- Units held by live matches and units delivered; kept in step with the matches in the
        -- same transaction, so the CHECKs below are the over-claim guard of last resort.
        matched_quantity int NOT NULL DEFAULT 0,
        fulfilled_quantity int NOT NULL DEFAULT 0,
        search_text text GENERATED ALWAYS AS (title || ' ' || coalesce(description, '')) STORED,
        created_by uuid NOT NULL REFERENCES app_user (id),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT demand_item_no_over_claim CHECK (matched_quantity BETWEEN 0 AND quantity),
        CONSTRAINT demand_item_fulfilled_within_matched CHECK (fulfilled_quantity BETWEEN 0 AND matched_quantity),
        CONSTRAINT demand_item_status_follows_quantities CHECK (
          status = 'CANCELLED'
          OR (status = 'OPEN' AND matched_quantity < quantity)
          OR (status = 'MATCHED' AND matched_quantity = quantity AND fulfilled_quantity < quantity)
          OR (status = 'FULFILLED' AND fulfilled_quantity = quantity))
      )`);
    await q.query(`CREATE INDEX demand_item_created_idx ON demand_item (created_at, id)`);
    await q.query(`CREATE INDEX demand_item_community_idx ON demand_item (community_id, created_at, id)`);
    await q.query(`CREATE INDEX demand_item_community_status_idx ON demand_item (community_id, status, created_at, id)`);
    await q.query(`CREATE INDEX demand_item_open_idx ON demand_item (community_id, category, urgency_rank DESC, created_at, id) WHERE status = 'OPEN'`);
    await q.query(`CREATE INDEX demand_item_search_idx ON demand_item USING gin (search_text gin_trgm_ops)`);

    await q.query(`
      CREATE TABLE supply_offer (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        partner_id uuid NOT NULL REFERENCES partner (id),
        category text NOT NULL CHECK (category IN ${CATEGORIES}),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        description text CHECK (length(description) <= 4000),
        quantity int NOT NULL CHECK (quantity BETWEEN 1 AND 1000000),
        unit text NOT NULL CHECK (length(unit) BETWEEN 1 AND 50),
        held_quantity int NOT NULL DEFAULT 0,
        available_until timestamptz(3),
        -- No community listed: offered wherever the partner is ACTIVE.
        all_communities boolean NOT NULL,
        status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'PAUSED', 'WITHDRAWN')),
        search_grams text GENERATED ALWAYS AS (cjk_spaced(title || ' ' || coalesce(description, ''))) STORED,
        created_by uuid NOT NULL REFERENCES app_user (id),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT supply_offer_no_over_claim CHECK (held_quantity BETWEEN 0 AND quantity)
      )`);
    await q.query(`CREATE INDEX supply_offer_created_idx ON supply_offer (created_at, id)`);
    await q.query(`CREATE INDEX supply_offer_partner_idx ON supply_offer (partner_id, created_at, id)`);
    await q.query(`CREATE INDEX supply_offer_category_idx ON supply_offer (category, created_at, id)`);
    await q.query(`CREATE INDEX supply_offer_search_idx ON supply_offer USING gin ((title || ' ' || coalesce(description, '')) gin_trgm_ops)`);
    // Suggestions: per partner, its newest ACTIVE offers of one category, read in index order and
    // cut off early, so one partner's huge pool cannot make a suggestion slow.
    await q.query(`CREATE INDEX supply_offer_usable_idx ON supply_offer (partner_id, category, created_at DESC, id) WHERE status = 'ACTIVE'`);

    await q.query(`
      CREATE TABLE offer_community (
        offer_id uuid NOT NULL REFERENCES supply_offer (id),
        community_id uuid NOT NULL REFERENCES community (id),
        PRIMARY KEY (offer_id, community_id)
      )`);
    await q.query(`CREATE INDEX offer_community_community_idx ON offer_community (community_id, offer_id)`);

    await q.query(`
      CREATE TABLE demand_match (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        community_id uuid NOT NULL REFERENCES community (id),
        demand_id uuid NOT NULL REFERENCES demand_item (id),
        partner_id uuid NOT NULL REFERENCES partner (id),
        offer_id uuid REFERENCES supply_offer (id),
        quantity int NOT NULL CHECK (quantity BETWEEN 1 AND 1000000),
        origin text NOT NULL CHECK (origin IN ('CLAIM', 'DISPATCH')),
        status text NOT NULL CHECK (status IN ('PROPOSED', 'PENDING_REVIEW', 'APPROVED', 'REJECTED', 'DECLINED', 'WITHDRAWN', 'FULFILLED')),
        -- The demand's urgency, copied so the review queue is one index scan.
        urgency_rank smallint NOT NULL,
        note text CHECK (length(note) <= 4000),
        review_note text CHECK (length(review_note) <= 4000),
        reviewed_by_id uuid REFERENCES app_user (id),
        reviewed_at timestamptz(3),
        fulfilled_at timestamptz(3),
        created_by uuid NOT NULL REFERENCES app_user (id),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CHECK (origin = 'DISPATCH' OR status NOT IN ('PROPOSED', 'DECLINED')),
        CHECK (origin = 'CLAIM' OR status NOT IN ('PENDING_REVIEW', 'REJECTED')),
        CHECK ((status = 'FULFILLED') = (fulfilled_at IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX demand_match_created_idx ON demand_match (created_at, id)`);
    await q.query(`CREATE INDEX demand_match_demand_idx ON demand_match (demand_id, created_at, id)`);
    await q.query(`CREATE INDEX demand_match_community_idx ON demand_match (community_id, created_at, id)`);
    await q.query(`CREATE INDEX demand_match_partner_idx ON demand_match (partner_id, status, created_at, id)`);
    await q.query(`CREATE INDEX demand_match_offer_idx ON demand_match (offer_id) WHERE offer_id IS NOT NULL`);
    await q.query(`
      CREATE INDEX demand_match_review_queue_idx ON demand_match (community_id, urgency_rank DESC, created_at, id)
        WHERE status = 'PENDING_REVIEW'`);
    await q.query(`CREATE INDEX demand_match_fulfilled_idx ON demand_match (community_id, fulfilled_at DESC, id) WHERE status = 'FULFILLED'`);

    await q.query(`
      CREATE TABLE evaluation (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        community_id uuid NOT NULL REFERENCES community (id),
        match_id uuid NOT NULL REFERENCES demand_match (id),
        partner_id uuid NOT NULL REFERENCES partner (id),
        rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
        comment text CHECK (length(comment) <= 4000),
        evaluated_by_id uuid NOT NULL REFERENCES app_user (id),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        -- A match is evaluated once.
        CONSTRAINT evaluation_once UNIQUE (community_id, match_id)
      )`);
    await q.query(`CREATE INDEX evaluation_match_idx ON evaluation (match_id)`);
    await q.query(`CREATE INDEX evaluation_partner_idx ON evaluation (partner_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['evaluation', 'demand_match', 'offer_community', 'supply_offer', 'demand_item']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await q.query(`DROP FUNCTION IF EXISTS cjk_spaced(text)`);
  }
}
