import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Identity, communities, rooms, partners, partnerships and the shared status history. */
export class Foundation1763900000000 implements MigrationInterface {
  name = 'Foundation1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);

    await q.query(`
      CREATE TABLE app_user (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL CHECK (email = lower(email) AND length(email) <= 254),
        password_hash text NOT NULL,
        display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
        is_admin boolean NOT NULL DEFAULT false,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX app_user_email_key ON app_user (email)`);

    await q.query(`
      CREATE TABLE community (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        district text CHECK (length(district) <= 200),
        timezone text NOT NULL DEFAULT 'Asia/Shanghai',
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX community_created_idx ON community (created_at, id)`);

    await q.query(`
      CREATE TABLE community_secretary (
        community_id uuid NOT NULL REFERENCES community (id),
        user_id uuid NOT NULL REFERENCES app_user (id),
        appointed_by uuid REFERENCES app_user (id),
        appointed_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (community_id, user_id)
      )`);
    await q.query(`CREATE INDEX community_secretary_user_idx ON community_secretary (user_id)`);

    await q.query(`
      CREATE TABLE room (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        community_id uuid NOT NULL REFERENCES community (id),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        capacity int NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
        features text[] NOT NULL DEFAULT '{}',
        weekly_slots jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(weekly_slots) = 'array'),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (community_id, name)
      )`);

    await q.query(`
      CREATE TABLE partner (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        category text NOT NULL CHECK (category IN ('PROPERTY_FIRM', 'DEPARTMENT', 'CHARITY', 'MERCHANT', 'RESIDENT_GROUP')),
        description text CHECK (length(description) <= 4000),
        calendar_token text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX partner_created_idx ON partner (created_at, id)`);
    await q.query(`CREATE INDEX partner_category_idx ON partner (category, created_at, id)`);
    await q.query(`CREATE UNIQUE INDEX partner_calendar_token_key ON partner (calendar_token)`);

    await q.query(`
      CREATE TABLE partner_member (
        partner_id uuid NOT NULL REFERENCES partner (id),
        user_id uuid NOT NULL REFERENCES app_user (id),
        role text NOT NULL CHECK (role IN ('OWNER', 'MEMBER')),
        added_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (partner_id, user_id)
      )`);
    await q.query(`CREATE INDEX partner_member_user_idx ON partner_member (user_id)`);

    await q.query(`
      CREATE TABLE partnership (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        community_id uuid NOT NULL REFERENCES community (id),
        partner_id uuid NOT NULL REFERENCES partner (id),
        status text NOT NULL CHECK (status IN ('PENDING', 'ACTIVE', 'REJECTED', 'ENDED')),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    // One live partnership per partner and community; ended or rejected ones stay as history.
    await q.query(`
      CREATE UNIQUE INDEX partnership_live_key ON partnership (community_id, partner_id)
        WHERE status IN ('PENDING', 'ACTIVE')`);
    await q.query(`CREATE INDEX partnership_partner_idx ON partnership (partner_id)`);

    await q.query(`
      CREATE TABLE status_change (
        seq bigserial PRIMARY KEY,
        object_type text NOT NULL,
        object_id uuid NOT NULL,
        community_id uuid,
        from_status text,
        to_status text NOT NULL,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        by_user_id uuid REFERENCES app_user (id),
        note text
      )`);
    await q.query(`CREATE INDEX status_change_object_idx ON status_change (object_id, at, seq)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['status_change', 'partnership', 'partner_member', 'partner', 'room', 'community_secretary', 'community', 'app_user']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
