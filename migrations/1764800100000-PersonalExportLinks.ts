import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A signed link to one's own personal data export (issue #19; docs/personal-data.md "Export"): for
 * the browser, which cannot send a bearer token with a download. Its subject is the person, who
 * alone creates it.
 */
export class PersonalExportLinks1764800100000 implements MigrationInterface {
  name = 'PersonalExportLinks1764800100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE signed_link DROP CONSTRAINT signed_link_purpose_check`);
    await q.query(`ALTER TABLE signed_link ADD CONSTRAINT signed_link_purpose_check CHECK (purpose IN ('SERVICE_CERTIFICATE', 'PUBLIC_BOARD', 'PERSONAL_EXPORT'))`);
    await q.query(`ALTER TABLE signed_link DROP CONSTRAINT signed_link_check2`);
    await q.query(`
      ALTER TABLE signed_link ADD CONSTRAINT signed_link_subject_check
        CHECK ((purpose IN ('SERVICE_CERTIFICATE', 'PERSONAL_EXPORT') AND volunteer_id IS NOT NULL AND community_id IS NULL)
            OR (purpose = 'PUBLIC_BOARD' AND community_id IS NOT NULL AND volunteer_id IS NULL))`);
    await q.query(`ALTER TABLE signed_link ADD CONSTRAINT signed_link_export_own_check CHECK (purpose <> 'PERSONAL_EXPORT' OR created_by = volunteer_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM signed_link WHERE purpose = 'PERSONAL_EXPORT'`);
    await q.query(`ALTER TABLE signed_link DROP CONSTRAINT signed_link_export_own_check`);
    await q.query(`ALTER TABLE signed_link DROP CONSTRAINT signed_link_subject_check`);
    await q.query(`
      ALTER TABLE signed_link ADD CONSTRAINT signed_link_check2
        CHECK ((purpose = 'SERVICE_CERTIFICATE' AND volunteer_id IS NOT NULL AND community_id IS NULL)
            OR (purpose = 'PUBLIC_BOARD' AND community_id IS NOT NULL AND volunteer_id IS NULL))`);
    await q.query(`ALTER TABLE signed_link DROP CONSTRAINT signed_link_purpose_check`);
    await q.query(`ALTER TABLE signed_link ADD CONSTRAINT signed_link_purpose_check CHECK (purpose IN ('SERVICE_CERTIFICATE', 'PUBLIC_BOARD'))`);
  }
}
