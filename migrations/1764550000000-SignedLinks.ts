import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Links signed by the server that open a page without signing in: a service certificate or a
 * community's public board. Only the SHA-256 of the token is kept, so a copy of the database
 * cannot open anything.
 */
export class SignedLinks1764550000000 implements MigrationInterface {
  name = 'SignedLinks1764550000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE signed_link (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
        purpose text NOT NULL CHECK (purpose IN ('SERVICE_CERTIFICATE', 'PUBLIC_BOARD')),
        -- What the page shows: the volunteer of a certificate, the community of a board.
        volunteer_id uuid REFERENCES app_user (id),
        community_id uuid REFERENCES community (id),
        -- A certificate's period (local dates, either end open) and the creator's view of it:
        -- only these communities' logs (a secretary's), or only this partner's (a partner owner's).
        period_from date,
        period_to date,
        scope_community_ids uuid[],
        scope_partner_id uuid REFERENCES partner (id),
        created_by uuid NOT NULL REFERENCES app_user (id),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        expires_at timestamptz(3) NOT NULL,
        revoked_at timestamptz(3),
        CHECK (expires_at > created_at),
        CHECK (period_from IS NULL OR period_to IS NULL OR period_from <= period_to),
        CHECK ((purpose = 'SERVICE_CERTIFICATE' AND volunteer_id IS NOT NULL AND community_id IS NULL)
            OR (purpose = 'PUBLIC_BOARD' AND community_id IS NOT NULL AND volunteer_id IS NULL))
      )`);
    await q.query(`CREATE INDEX signed_link_creator_idx ON signed_link (created_by, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS signed_link`);
  }
}
