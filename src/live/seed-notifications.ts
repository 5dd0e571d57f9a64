import type { EntityManager } from 'typeorm';
import { notify } from './notifications.service';

/**
 * Demo inbox: every partner owner was told when a community approved its partnership (as
 * reviewPartnership does); all but one per person already read.
 */
export async function seedNotifications(tx: EntityManager): Promise<void> {
  const approved: { id: string; partner_id: string; community_id: string; community: string; by: string; note: string | null }[] = await tx.query(
    `SELECT ps.id, ps.partner_id, ps.community_id, c.name AS community, sc.by_user_id AS by, sc.note
       FROM partnership ps
       JOIN community c ON c.id = ps.community_id
       JOIN status_change sc ON sc.object_id = ps.id AND sc.to_status = 'ACTIVE'
      WHERE ps.status = 'ACTIVE'
      ORDER BY sc.seq`,
  );
  for (const p of approved) {
    await notify(tx, {
      to: { membersOf: p.partner_id },
      by: p.by,
      kind: 'PARTNERSHIP_ACTIVE',
      message: `${p.community} approved your partnership request${p.note ? `: ${p.note}` : ''}`,
      communityId: p.community_id,
      refs: { partnershipId: p.id },
    });
  }
  // Leave each owner one unread notification: the newest.
  await tx.query(
    `UPDATE notification n SET read_at = now()
      WHERE n.kind = 'PARTNERSHIP_ACTIVE'
        AND n.id <> (SELECT m.id FROM notification m WHERE m.user_id = n.user_id ORDER BY m.created_at DESC, m.id DESC LIMIT 1)`,
  );
}
