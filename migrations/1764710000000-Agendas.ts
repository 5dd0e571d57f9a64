import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deliberation (议事, issue #15 item 1): agenda items put before a community's residents, their
 * opinions (one per person and item: the unique key, which the upsert of voiceOpinion relies on)
 * and the demand items a decision created. Keyed by community like the other community tables
 * (CitusReady); status and history move only through the agenda lifecycle (status_change).
 */
export class Agendas1764710000000 implements MigrationInterface {
  name = 'Agendas1764710000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agenda_item (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        community_id uuid NOT NULL REFERENCES community (id),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        description text CHECK (length(description) <= 4000),
        status text NOT NULL CHECK (status IN ('PROPOSED', 'OPEN_FOR_OPINIONS', 'DECIDED', 'WITHDRAWN')),
        opinions_close_at timestamptz(3) NOT NULL,
        proposed_by uuid NOT NULL REFERENCES app_user (id),
        opened_at timestamptz(3),
        meeting_date date,
        attendees int CHECK (attendees BETWEEN 0 AND 100000),
        outcome text CHECK (length(outcome) BETWEEN 1 AND 4000),
        decided_at timestamptz(3),
        withdrawal_reason text CHECK (length(withdrawal_reason) BETWEEN 1 AND 4000),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        -- Every item but a proposal waiting for the secretary was opened to the residents.
        CHECK ((status = 'PROPOSED') = (opened_at IS NULL) OR status = 'WITHDRAWN'),
        -- A decision carries its meeting, attendance and outcome; nothing else does.
        CHECK ((status = 'DECIDED') = (decided_at IS NOT NULL)),
        CHECK ((decided_at IS NULL) = (meeting_date IS NULL) AND (decided_at IS NULL) = (attendees IS NULL) AND (decided_at IS NULL) = (outcome IS NULL)),
        CHECK ((status = 'WITHDRAWN') = (withdrawal_reason IS NOT NULL)),
        PRIMARY KEY (community_id, id)
      )`);
    await q.query(`CREATE INDEX agenda_item_id_idx ON agenda_item (id)`);
    await q.query(`CREATE INDEX agenda_item_community_idx ON agenda_item (community_id, created_at, id)`);
    await q.query(`CREATE INDEX agenda_item_board_idx ON agenda_item (community_id, status, decided_at)`);

    await q.query(`
      CREATE TABLE agenda_opinion (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        community_id uuid NOT NULL,
        agenda_item_id uuid NOT NULL,
        author_id uuid NOT NULL REFERENCES app_user (id),
        stance text NOT NULL CHECK (stance IN ('SUPPORT', 'OPPOSE', 'NEUTRAL')),
        text text CHECK (length(text) <= 4000),
        anonymous boolean NOT NULL DEFAULT false,
        -- 1 when voiced, +1 on each change: a person's writes are counted, never lost.
        revision int NOT NULL DEFAULT 1 CHECK (revision >= 1),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (community_id, id),
        FOREIGN KEY (community_id, agenda_item_id) REFERENCES agenda_item (community_id, id)
      )`);
    // One voice each (DESIGN invariant 7).
    await q.query(`CREATE UNIQUE INDEX agenda_opinion_one_each_uq ON agenda_opinion (community_id, agenda_item_id, author_id)`);
    await q.query(`CREATE INDEX agenda_opinion_id_idx ON agenda_opinion (id)`);
    await q.query(`CREATE INDEX agenda_opinion_item_idx ON agenda_opinion (agenda_item_id, created_at, id)`);
    await q.query(`CREATE INDEX agenda_opinion_author_idx ON agenda_opinion (author_id, agenda_item_id)`);

    // The demand items a decision created: of the item's own community (the composite keys say so).
    await q.query(`
      CREATE TABLE agenda_item_demand (
        community_id uuid NOT NULL,
        agenda_item_id uuid NOT NULL,
        demand_id uuid NOT NULL,
        PRIMARY KEY (community_id, agenda_item_id, demand_id),
        FOREIGN KEY (community_id, agenda_item_id) REFERENCES agenda_item (community_id, id),
        FOREIGN KEY (community_id, demand_id) REFERENCES demand_item (community_id, id)
      )`);
    await q.query(`CREATE INDEX agenda_item_demand_item_idx ON agenda_item_demand (agenda_item_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS agenda_item_demand`);
    await q.query(`DROP TABLE IF EXISTS agenda_opinion`);
    await q.query(`DROP TABLE IF EXISTS agenda_item`);
  }
}
