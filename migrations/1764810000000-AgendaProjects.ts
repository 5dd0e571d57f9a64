import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The projects a decision created (issue #15 item 6), beside the demand items it created
 * (agenda_item_demand): of the item's own community, which the composite keys say.
 */
export class AgendaProjects1764810000000 implements MigrationInterface {
  name = 'AgendaProjects1764810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agenda_item_project (
        community_id uuid NOT NULL,
        agenda_item_id uuid NOT NULL,
        project_id uuid NOT NULL,
        PRIMARY KEY (community_id, agenda_item_id, project_id),
        FOREIGN KEY (community_id, agenda_item_id) REFERENCES agenda_item (community_id, id),
        FOREIGN KEY (community_id, project_id) REFERENCES project (community_id, id)
      )`);
    await q.query(`CREATE INDEX agenda_item_project_item_idx ON agenda_item_project (agenda_item_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS agenda_item_project`);
  }
}
