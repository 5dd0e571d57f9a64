import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Residents' requests (issue #14): raised by a resident of the community, triaged by its secretary
 * onto the demand list (an item of their own, or merged into an open one) or declined with a
 * reason. Status and history move only through the request lifecycle (status_change).
 */
export class ResidentRequests1764620100000 implements MigrationInterface {
  name = 'ResidentRequests1764620100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE resident_request (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        community_id uuid NOT NULL REFERENCES community (id),
        requester_id uuid NOT NULL REFERENCES app_user (id),
        kind text NOT NULL CHECK (kind IN ('REPAIR', 'WISH', 'SUGGESTION', 'COMPLAINT')),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        description text CHECK (length(description) <= 4000),
        building text CHECK (length(building) <= 200),
        status text NOT NULL CHECK (status IN ('SUBMITTED', 'ACCEPTED', 'IN_PROGRESS', 'AWAITING_INSPECTION', 'RESOLVED', 'DECLINED')),
        anonymous_on_board boolean NOT NULL DEFAULT true,
        demand_id uuid,
        decline_reason text CHECK (length(decline_reason) <= 4000),
        rating_score int CHECK (rating_score BETWEEN 1 AND 5),
        rating_comment text CHECK (length(rating_comment) <= 4000),
        rated_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        resolved_at timestamptz(3),
        -- Every request past triage sits on the demand list (a declined one may, when its item was cancelled); a declined one says why.
        CHECK ((status = 'SUBMITTED' AND demand_id IS NULL) OR status = 'DECLINED' OR (status <> 'SUBMITTED' AND demand_id IS NOT NULL)),
        CHECK ((status = 'DECLINED') = (decline_reason IS NOT NULL)),
        CHECK ((rating_score IS NULL) = (rated_at IS NULL)),
        CHECK (rating_score IS NULL OR status = 'RESOLVED'),
        -- Keyed by community like the demand list it joins (CitusReady): the item is always of the request's community.
        PRIMARY KEY (community_id, id),
        FOREIGN KEY (community_id, demand_id) REFERENCES demand_item (community_id, id)
      )`);
    await q.query(`CREATE INDEX resident_request_id_idx ON resident_request (id)`);
    await q.query(`CREATE INDEX resident_request_community_idx ON resident_request (community_id, created_at, id)`);
    await q.query(`CREATE INDEX resident_request_requester_idx ON resident_request (requester_id, created_at, id)`);
    await q.query(`CREATE INDEX resident_request_demand_idx ON resident_request (demand_id) WHERE demand_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS resident_request`);
  }
}
