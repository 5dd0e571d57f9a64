import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Community projects (issue #15, 项目清单): proposed by a partner or a person who leads it, reviewed
 * by the community's secretary, progress updates, linked demand items of the same community,
 * completion with a summary, cancellation with a reason. Status and history move only through the
 * project lifecycle (status_change). Keyed by community like the demand list it links (CitusReady).
 */
export class Projects1764705000000 implements MigrationInterface {
  name = 'Projects1764705000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE project (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        community_id uuid NOT NULL REFERENCES community (id),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        description text CHECK (length(description) <= 4000),
        status text NOT NULL CHECK (status IN ('PROPOSED', 'APPROVED', 'IN_PROGRESS', 'COMPLETED', 'CANCELLED')),
        lead_partner_id uuid REFERENCES partner (id),
        lead_user_id uuid REFERENCES app_user (id),
        proposed_by uuid NOT NULL REFERENCES app_user (id),
        start_date date,
        end_date date,
        progress_percent int NOT NULL DEFAULT 0 CHECK (progress_percent BETWEEN 0 AND 100),
        approved_at timestamptz(3),
        summary text CHECK (length(summary) <= 4000),
        cancel_reason text CHECK (length(cancel_reason) <= 4000),
        completed_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        -- Led by a partner or by a person, never both, never nobody.
        CHECK ((lead_partner_id IS NULL) <> (lead_user_id IS NULL)),
        CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date),
        CHECK ((status IN ('PROPOSED') OR (status = 'CANCELLED' AND approved_at IS NULL)) = (approved_at IS NULL)),
        CHECK ((status = 'COMPLETED') = (summary IS NOT NULL AND completed_at IS NOT NULL)),
        CHECK (status <> 'COMPLETED' OR progress_percent = 100),
        CHECK ((status = 'CANCELLED') = (cancel_reason IS NOT NULL)),
        PRIMARY KEY (community_id, id)
      )`);
    await q.query(`CREATE INDEX project_id_idx ON project (id)`);
    await q.query(`CREATE INDEX project_community_idx ON project (community_id, created_at, id)`);
    await q.query(`CREATE INDEX project_lead_partner_idx ON project (lead_partner_id) WHERE lead_partner_id IS NOT NULL`);
    await q.query(`CREATE INDEX project_lead_user_idx ON project (lead_user_id) WHERE lead_user_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE project_update (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        community_id uuid NOT NULL,
        project_id uuid NOT NULL,
        author_id uuid NOT NULL REFERENCES app_user (id),
        as_partner_id uuid REFERENCES partner (id),
        text text NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
        progress_percent int NOT NULL CHECK (progress_percent BETWEEN 0 AND 100),
        previous_percent int NOT NULL CHECK (previous_percent BETWEEN 0 AND 100),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (community_id, id),
        FOREIGN KEY (community_id, project_id) REFERENCES project (community_id, id)
      )`);
    await q.query(`CREATE INDEX project_update_id_idx ON project_update (id)`);
    await q.query(`CREATE INDEX project_update_project_idx ON project_update (project_id, created_at, id)`);
    // A demand item linked to a project is always of the project's community (both keys carry it).
    await q.query(`
      CREATE TABLE project_demand (
        community_id uuid NOT NULL,
        project_id uuid NOT NULL,
        demand_id uuid NOT NULL,
        PRIMARY KEY (community_id, project_id, demand_id),
        FOREIGN KEY (community_id, project_id) REFERENCES project (community_id, id),
        FOREIGN KEY (community_id, demand_id) REFERENCES demand_item (community_id, id)
      )`);
    await q.query(`CREATE INDEX project_demand_project_idx ON project_demand (project_id)`);
    await q.query(`CREATE INDEX project_demand_demand_idx ON project_demand (demand_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS project_demand`);
    await q.query(`DROP TABLE IF EXISTS project_update`);
    await q.query(`DROP TABLE IF EXISTS project`);
  }
}
