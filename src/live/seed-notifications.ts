import type { EntityManager } from 'typeorm';
import { notify, notifyMany } from './notifications.service';

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

/**
 * Demo inbox of the wired domains, as their services would have written it: secretaries told of
 * claims awaiting review and of proposed contracts, partners of reviewed claims, dispatches,
 * deliveries and approved contracts, volunteers of decided service logs. One statement for all;
 * call after the demand, spaces and service-hour demo data exist.
 */
export async function seedDomainNotifications(tx: EntityManager): Promise<void> {
  type Row = { kind: string; message: string; community_id: string; by: string | null; members_of: string | null; secretaries_of: string | null; user_id: string | null; match_id: string | null; contract_id: string | null; service_log_id: string | null };
  const rows: Row[] = await tx.query(
    `SELECT 'MATCH_' || m.status AS kind,
            CASE m.status
              WHEN 'PENDING_REVIEW' THEN p.name || ' claimed ' || m.quantity || ' ' || d.unit || ' of "' || d.title || '"'
              WHEN 'PROPOSED' THEN c.name || ' asks for ' || m.quantity || ' ' || d.unit || ' of your offer for "' || d.title || '"; accept or decline it'
              WHEN 'FULFILLED' THEN c.name || ' confirmed the delivery of ' || m.quantity || ' ' || d.unit || ' for "' || d.title || '"'
              ELSE c.name || ' ' || lower(m.status) || ' your claim of ' || m.quantity || ' ' || d.unit || ' of "' || d.title || '"' END AS message,
            m.community_id, CASE WHEN m.status = 'PENDING_REVIEW' THEN m.created_by ELSE m.reviewed_by_id END AS by,
            CASE WHEN m.status = 'PENDING_REVIEW' THEN NULL ELSE m.partner_id END AS members_of,
            CASE WHEN m.status = 'PENDING_REVIEW' THEN m.community_id END AS secretaries_of,
            NULL::uuid AS user_id, m.id AS match_id, NULL::uuid AS contract_id, NULL::uuid AS service_log_id
       FROM demand_match m JOIN demand_item d ON d.id = m.demand_id JOIN community c ON c.id = m.community_id JOIN partner p ON p.id = m.partner_id
      WHERE m.status IN ('PENDING_REVIEW', 'PROPOSED', 'FULFILLED') OR (m.origin = 'CLAIM' AND m.status IN ('APPROVED', 'REJECTED'))
     UNION ALL
     SELECT 'CONTRACT_' || sc.status,
            CASE WHEN sc.status = 'PENDING_REVIEW' THEN p.name || ' proposes "' || sc.title || '" in ' || r.name || '; review it'
                 ELSE c.name || ' approved your contract "' || sc.title || '" for ' || r.name || '; its sessions are booked' END,
            sc.community_id, NULL::uuid,
            CASE WHEN sc.status = 'ACTIVE' THEN sc.partner_id END, CASE WHEN sc.status = 'PENDING_REVIEW' THEN sc.community_id END,
            NULL, NULL, sc.id, NULL
       FROM space_contract sc JOIN room r ON r.id = sc.room_id JOIN community c ON c.id = sc.community_id JOIN partner p ON p.id = sc.partner_id
      WHERE sc.status IN ('PENDING_REVIEW', 'ACTIVE')
     UNION ALL
     SELECT 'SERVICE_LOG_' || s.status, 'Your service log "' || left(s.description, 80) || '" (' || s.minutes || ' min) was ' || lower(s.status),
            s.community_id, s.verified_by_id, NULL, NULL, s.volunteer_id, NULL, NULL, s.id
       FROM service_log s
      WHERE s.status IN ('VERIFIED', 'REJECTED')`,
  );
  await notifyMany(
    tx,
    rows.map((r) => ({
      to: { membersOf: r.members_of ?? undefined, secretariesOf: r.secretaries_of ?? undefined, userIds: r.user_id ? [r.user_id] : [] },
      by: r.by,
      kind: r.kind,
      message: r.message,
      communityId: r.community_id,
      refs: { matchId: r.match_id ?? undefined, contractId: r.contract_id ?? undefined, serviceLogId: r.service_log_id ?? undefined },
    })),
  );
}
