import { once } from 'node:events';
import type { Response } from 'express';
import type { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../db/transaction';
import { now } from '../common/clock';

/** The version of the export's shape (docs/personal-data.md "Export"); raised whenever a section or field changes meaning. */
export const EXPORT_SCHEMA_VERSION = 1;

/**
 * One section of the export: a key of the document and the statement that answers the person's
 * rows of it as JSON (`$1` the user's id, `$2` their e-mail). Columns that name another person
 * (who reviewed, verified, moved a status) or hold a secret (a password hash, a link's token hash)
 * are left out: the export is about the caller alone. Each is documented in docs/personal-data.md.
 */
interface Section {
  key: string;
  sql: string;
}

export const EXPORT_SECTIONS: readonly Section[] = [
  {
    key: 'residencies',
    sql: `SELECT jsonb_build_object('id', r.id, 'communityId', r.community_id, 'community', c.name, 'building', r.building, 'verified', r.verified, 'verifiedAt', r.verified_at, 'since', r.since, 'leftAt', r.left_at)
          FROM residency r JOIN community c ON c.id = r.community_id WHERE r.user_id = $1 ORDER BY r.since, r.id`,
  },
  {
    key: 'secretaryOf',
    sql: `SELECT jsonb_build_object('communityId', s.community_id, 'community', c.name, 'appointedAt', s.appointed_at)
          FROM community_secretary s JOIN community c ON c.id = s.community_id WHERE s.user_id = $1 ORDER BY s.appointed_at, s.community_id`,
  },
  {
    key: 'memberships',
    sql: `SELECT jsonb_build_object('partnerId', m.partner_id, 'partner', p.name, 'role', m.role, 'addedAt', m.added_at)
          FROM partner_member m JOIN partner p ON p.id = m.partner_id WHERE m.user_id = $1 ORDER BY m.added_at, m.partner_id`,
  },
  {
    key: 'invitationsReceived',
    sql: `SELECT jsonb_build_object('id', i.id, 'partnerId', i.partner_id, 'partner', p.name, 'role', i.role, 'status', i.status, 'createdAt', i.created_at, 'respondedAt', i.responded_at)
          FROM partner_invitation i JOIN partner p ON p.id = i.partner_id WHERE i.email = (SELECT u.email FROM app_user u WHERE u.id = $1) ORDER BY i.created_at, i.id`,
  },
  {
    key: 'requests',
    sql: `SELECT jsonb_build_object('id', r.id, 'communityId', r.community_id, 'kind', r.kind, 'title', r.title, 'description', r.description, 'building', r.building,
            'status', r.status, 'anonymousOnBoard', r.anonymous_on_board, 'demandId', r.demand_id, 'declineReason', r.decline_reason,
            'rating', r.rating_score, 'ratingComment', r.rating_comment, 'ratedAt', r.rated_at, 'createdAt', r.created_at, 'resolvedAt', r.resolved_at,
            'history', (SELECT coalesce(jsonb_agg(jsonb_build_object('from', h.from_status, 'to', h.to_status, 'at', h.at, 'note', h.note) ORDER BY h.at, h.seq), '[]')
                        FROM status_change h WHERE h.object_id = r.id))
          FROM resident_request r WHERE r.requester_id = $1 ORDER BY r.created_at, r.id`,
  },
  {
    key: 'opinions',
    sql: `SELECT jsonb_build_object('id', o.id, 'agendaItemId', o.agenda_item_id, 'agendaItem', a.title, 'stance', o.stance, 'text', o.text, 'anonymous', o.anonymous,
            'revision', o.revision, 'createdAt', o.created_at, 'updatedAt', o.updated_at)
          FROM agenda_opinion o JOIN agenda_item a ON a.community_id = o.community_id AND a.id = o.agenda_item_id WHERE o.author_id = $1 ORDER BY o.created_at, o.id`,
  },
  {
    key: 'agendaItemsProposed',
    sql: `SELECT jsonb_build_object('id', a.id, 'communityId', a.community_id, 'title', a.title, 'status', a.status, 'createdAt', a.created_at)
          FROM agenda_item a WHERE a.proposed_by = $1 ORDER BY a.created_at, a.id`,
  },
  {
    key: 'claims',
    sql: `SELECT jsonb_build_object('id', m.id, 'communityId', m.community_id, 'demandId', m.demand_id, 'quantity', m.quantity, 'status', m.status, 'note', m.note,
            'createdAt', m.created_at, 'fulfilledAt', m.fulfilled_at)
          FROM demand_match m WHERE m.volunteer_id = $1 ORDER BY m.created_at, m.id`,
  },
  {
    key: 'evaluationsGiven',
    sql: `SELECT jsonb_build_object('id', e.id, 'matchId', e.match_id, 'partnerId', e.partner_id, 'rating', e.rating, 'comment', e.comment, 'createdAt', e.created_at)
          FROM evaluation e WHERE e.evaluated_by_id = $1 ORDER BY e.created_at, e.id`,
  },
  {
    key: 'serviceLogs',
    sql: `SELECT jsonb_build_object('id', l.id, 'communityId', l.community_id, 'partnerId', l.partner_id, 'startedAt', l.started_at, 'endedAt', l.ended_at,
            'minutes', l.minutes, 'description', l.description, 'status', l.status, 'loggedForYou', l.logged_by_id IS NOT NULL, 'createdAt', l.created_at)
          FROM service_log l WHERE l.volunteer_id = $1 ORDER BY l.started_at, l.id`,
  },
  {
    key: 'ballots',
    sql: `SELECT jsonb_build_object('roundId', b.round_id, 'communityId', b.community_id, 'partnerId', b.partner_id, 'comment', b.comment, 'scoredAt', b.scored_at,
            'scores', (SELECT coalesce(jsonb_agg(to_jsonb(s) - 'panellist_id' - 'community_id' - 'round_id' - 'partner_id'), '[]') FROM rating_score s
                       WHERE s.community_id = b.community_id AND s.round_id = b.round_id AND s.partner_id = b.partner_id AND s.panellist_id = b.panellist_id))
          FROM rating_ballot b WHERE b.panellist_id = $1 ORDER BY b.scored_at, b.round_id, b.partner_id`,
  },
  {
    key: 'projects',
    sql: `SELECT jsonb_build_object('id', p.id, 'communityId', p.community_id, 'title', p.title, 'status', p.status, 'lead', p.lead_user_id = $1, 'proposed', p.proposed_by = $1, 'createdAt', p.created_at)
          FROM project p WHERE p.lead_user_id = $1 OR p.proposed_by = $1 ORDER BY p.created_at, p.id`,
  },
  {
    key: 'projectUpdates',
    sql: `SELECT jsonb_build_object('id', u.id, 'projectId', u.project_id, 'text', u.text, 'progressPercent', u.progress_percent, 'createdAt', u.created_at)
          FROM project_update u WHERE u.author_id = $1 ORDER BY u.created_at, u.id`,
  },
  {
    key: 'notifications',
    sql: `SELECT jsonb_build_object('id', n.id, 'kind', n.kind, 'message', n.message, 'createdAt', n.created_at, 'readAt', n.read_at)
          FROM notification n WHERE n.user_id = $1 ORDER BY n.created_at, n.id`,
  },
  {
    key: 'signedLinks',
    sql: `SELECT jsonb_build_object('id', s.id, 'purpose', s.purpose, 'aboutYou', s.volunteer_id = $1, 'createdByYou', s.created_by = $1, 'createdAt', s.created_at, 'expiresAt', s.expires_at, 'revokedAt', s.revoked_at)
          FROM signed_link s WHERE s.volunteer_id = $1 OR s.created_by = $1 ORDER BY s.created_at, s.id`,
  },
];

/** Where the document goes: each call writes a piece; it resolves once the piece may be followed (back-pressure). */
export type Write = (chunk: string) => Promise<void>;

/**
 * Writes the export of `userId` as one JSON document, section by section, inside `tx` (one
 * REPEATABLE READ snapshot, so the sections agree with each other). Returns nothing: the caller
 * owns the stream.
 */
export async function writeExport(tx: EntityManager, userId: string, write: Write): Promise<void> {
  const [account]: { json: Record<string, unknown> }[] = await tx.query(
    `SELECT jsonb_build_object('id', u.id, 'email', u.email, 'displayName', u.display_name, 'locale', u.locale, 'isAdmin', u.is_admin,
       'managedByPartnerId', u.managed_by_partner_id, 'createdAt', u.created_at) AS json FROM app_user u WHERE u.id = $1`,
    [userId],
  );
  await write(`{"schemaVersion":${EXPORT_SCHEMA_VERSION},"exportedAt":${JSON.stringify(now().toISOString())},"account":${JSON.stringify(account.json)}`);
  for (const section of EXPORT_SECTIONS) {
    const rows: Record<string, unknown>[] = await tx.query(section.sql, [userId]);
    await write(`,${JSON.stringify(section.key)}:[`);
    for (let i = 0; i < rows.length; i++) await write(`${i ? ',' : ''}${JSON.stringify(Object.values(rows[i])[0])}`);
    await write(']');
  }
  await write('}');
}

/**
 * Sends the export of `userId` as the answer `res` (a download, never cached), written as it is
 * read from one REPEATABLE READ snapshot. Throws before the first byte, or destroys the answer
 * mid-way so that a cut download cannot pass for complete.
 */
export async function sendExport(db: DataSource, userId: string, res: Response): Promise<void> {
  res.status(200);
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-disposition', 'attachment; filename="personal-data.json"');
  res.setHeader('cache-control', 'no-store');
  await inTransaction(
    db,
    (tx) =>
      writeExport(tx, userId, async (chunk) => {
        if (!res.write(chunk)) await once(res, 'drain');
      }),
    { isolation: 'REPEATABLE READ', retries: 0 },
  );
  res.end();
}
