import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Messages in the reader's language (src/i18n): a user's saved language; notifications and history
 * notes kept as a message id with its values, rendered when read. Old rows keep their text.
 */
export class Locales1764560000000 implements MigrationInterface {
  name = 'Locales1764560000000';

  async up(q: QueryRunner): Promise<void> {
    // No CHECK on the list of languages: adding one must not need a migration; setMyLocale validates.
    await q.query(`ALTER TABLE app_user ADD COLUMN locale text CHECK (length(locale) BETWEEN 2 AND 35)`);
    await q.query(`ALTER TABLE notification ADD COLUMN message_id text, ADD COLUMN message_values jsonb`);
    await q.query(`ALTER TABLE status_change ADD COLUMN note_id text, ADD COLUMN note_values jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE status_change DROP COLUMN IF EXISTS note_id, DROP COLUMN IF EXISTS note_values`);
    await q.query(`ALTER TABLE notification DROP COLUMN IF EXISTS message_id, DROP COLUMN IF EXISTS message_values`);
    await q.query(`ALTER TABLE app_user DROP COLUMN IF EXISTS locale`);
  }
}
