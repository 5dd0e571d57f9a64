import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rating rounds (评估定星, issue #15): a secretary opens a round with its criteria, partners and
 * panel; each panellist scores each partner on each criterion 1-5 (one ballot per panellist and
 * partner, one score per criterion, replaced until the close); closing freezes the results in
 * partner_rating. Every table is keyed by community like the rest of the community's work (CitusReady).
 */
export class RatingRounds1764730000000 implements MigrationInterface {
  name = 'RatingRounds1764730000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rating_round (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        community_id uuid NOT NULL REFERENCES community (id),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        period text NOT NULL CHECK (length(period) BETWEEN 1 AND 50),
        status text NOT NULL CHECK (status IN ('OPEN', 'CLOSED')),
        closes_at timestamptz(3) NOT NULL,
        -- [{key, name, weight}], in the order they were given; keys unique (checked on opening).
        criteria jsonb NOT NULL CHECK (jsonb_typeof(criteria) = 'array' AND jsonb_array_length(criteria) BETWEEN 1 AND 10),
        opened_by uuid NOT NULL REFERENCES app_user (id),
        -- When the panel was reminded that the round closes within a day (once per round).
        reminded_at timestamptz(3),
        closed_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CHECK ((status = 'CLOSED') = (closed_at IS NOT NULL)),
        PRIMARY KEY (community_id, id)
      )`);
    await q.query(`CREATE INDEX rating_round_id_idx ON rating_round (id)`);
    await q.query(`CREATE INDEX rating_round_community_idx ON rating_round (community_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX rating_round_open_idx ON rating_round (closes_at) WHERE status = 'OPEN'`);

    await q.query(`
      CREATE TABLE rating_round_partner (
        community_id uuid NOT NULL,
        round_id uuid NOT NULL,
        partner_id uuid NOT NULL REFERENCES partner (id),
        PRIMARY KEY (community_id, round_id, partner_id),
        FOREIGN KEY (community_id, round_id) REFERENCES rating_round (community_id, id)
      )`);
    await q.query(`
      CREATE TABLE rating_panellist (
        community_id uuid NOT NULL,
        round_id uuid NOT NULL,
        user_id uuid NOT NULL REFERENCES app_user (id),
        PRIMARY KEY (community_id, round_id, user_id),
        FOREIGN KEY (community_id, round_id) REFERENCES rating_round (community_id, id)
      )`);
    await q.query(`CREATE INDEX rating_panellist_user_idx ON rating_panellist (user_id)`);

    // One ballot per panellist and partner (replaced until the close); its scores, one per criterion.
    await q.query(`
      CREATE TABLE rating_ballot (
        community_id uuid NOT NULL,
        round_id uuid NOT NULL,
        partner_id uuid NOT NULL,
        panellist_id uuid NOT NULL,
        comment text CHECK (length(comment) <= 4000),
        scored_at timestamptz(3) NOT NULL,
        PRIMARY KEY (community_id, round_id, partner_id, panellist_id),
        FOREIGN KEY (community_id, round_id, partner_id) REFERENCES rating_round_partner (community_id, round_id, partner_id),
        FOREIGN KEY (community_id, round_id, panellist_id) REFERENCES rating_panellist (community_id, round_id, user_id)
      )`);
    await q.query(`
      CREATE TABLE rating_score (
        community_id uuid NOT NULL,
        round_id uuid NOT NULL,
        partner_id uuid NOT NULL,
        panellist_id uuid NOT NULL,
        criterion_key text NOT NULL CHECK (length(criterion_key) BETWEEN 1 AND 50),
        score int NOT NULL CHECK (score BETWEEN 1 AND 5),
        PRIMARY KEY (community_id, round_id, partner_id, panellist_id, criterion_key),
        FOREIGN KEY (community_id, round_id, partner_id, panellist_id)
          REFERENCES rating_ballot (community_id, round_id, partner_id, panellist_id) ON DELETE CASCADE
      )`);

    // The frozen results of a closed round, one row per partner (written once, by the close).
    await q.query(`
      CREATE TABLE partner_rating (
        community_id uuid NOT NULL,
        round_id uuid NOT NULL,
        partner_id uuid NOT NULL,
        stars int NOT NULL CHECK (stars BETWEEN 1 AND 5),
        score double precision NOT NULL CHECK (score >= 1 AND score <= 5),
        ballots int NOT NULL CHECK (ballots >= 1),
        -- [{key, average}] in the round's criteria order.
        by_criterion jsonb NOT NULL CHECK (jsonb_typeof(by_criterion) = 'array'),
        published_at timestamptz(3) NOT NULL,
        PRIMARY KEY (community_id, round_id, partner_id),
        FOREIGN KEY (community_id, round_id, partner_id) REFERENCES rating_round_partner (community_id, round_id, partner_id)
      )`);
    await q.query(`CREATE INDEX partner_rating_partner_idx ON partner_rating (partner_id, published_at DESC, round_id DESC)`);
    await q.query(`CREATE INDEX partner_rating_community_idx ON partner_rating (community_id, published_at DESC, round_id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS partner_rating, rating_score, rating_ballot, rating_panellist, rating_round_partner, rating_round`);
  }
}
