import { isUuid } from '../common/ids';
import { now as clockNow } from '../common/clock';
import type { EntityManager } from 'typeorm';
import type { Ctx } from '../context';
import { paginate, type PageArgs, type SortKey } from '../common/pagination';
import { TEXT_MAX } from '../common/validation';
import { inTransaction } from '../db/transaction';
import { BadUserInputError, fieldError } from '../errors';
import { DEFAULT_LOCALE } from '../i18n/locale';
import { msg, render, type Msg } from '../i18n/messages';
import { publish, topics, type Refs } from './events';
import { Notification } from './notification.entity';

import type { Recipients } from '../common/domain-events';

/** Who is told: any mix of these, each person once (declared with the domain events). */
export type { Recipients };

export interface NotificationInput {
  to: Recipients;
  /** Who made the change: never told about their own act. */
  by?: string | null;
  kind: string;
  /** A catalogue message (rendered in each reader's language when read) or, for old callers, plain text. */
  message: string | Msg;
  communityId?: string | null;
  refs?: Omit<Refs, 'notificationId'>;
}

/**
 * Writes one inbox row per recipient, in ONE statement inside the caller's transaction: the rows
 * exist exactly when the change does. Each recipient's `notificationReceived` hears of it after commit.
 * Returns how many people were told.
 */
export function notify(tx: EntityManager, n: NotificationInput): Promise<number> {
  return notifyMany(tx, [n]);
}

/**
 * `notify` for many changes at once (a cancelled demand's withdrawn matches, a batch of verified
 * service logs): still ONE `INSERT ... SELECT`, whatever the number of changes and recipients.
 */
export async function notifyMany(tx: EntityManager, items: NotificationInput[]): Promise<number> {
  if (!items.length) return 0;
  const column = <T>(pick: (n: NotificationInput, i: number) => T) => items.map(pick);
  const users = items.flatMap((n, i) => (n.to.userIds ?? []).map((userId) => [i, userId] as const));
  const rows: { id: string; user_id: string; community_id: string | null; kind: string; partnership_id: string | null; match_id: string | null; contract_id: string | null; booking_id: string | null; service_log_id: string | null }[] =
    await tx.query(
      `WITH item AS (
         SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::uuid[], $5::uuid[], $6::uuid[], $7::uuid[], $8::uuid[], $9::uuid[], $10::uuid[], $11::uuid[], $12::uuid[], $15::text[], $16::jsonb[], $17::uuid[])
           AS i(ord, kind, message, community_id, partnership_id, match_id, contract_id, booking_id, service_log_id, members_of, secretaries_of, by_user, message_id, message_values, residents_of)),
       named AS (SELECT * FROM unnest($13::int[], $14::uuid[]) AS u(ord, user_id))
       INSERT INTO notification (user_id, community_id, kind, message, partnership_id, match_id, contract_id, booking_id, service_log_id, message_id, message_values)
       SELECT r.user_id, i.community_id, i.kind, i.message, i.partnership_id, i.match_id, i.contract_id, i.booking_id, i.service_log_id, i.message_id, i.message_values
         FROM item i
        CROSS JOIN LATERAL (
              SELECT n.user_id FROM named n WHERE n.ord = i.ord
              UNION SELECT pm.user_id FROM partner_member pm WHERE pm.partner_id = i.members_of
              UNION SELECT cs.user_id FROM community_secretary cs WHERE cs.community_id = i.secretaries_of
              UNION SELECT rs.user_id FROM residency rs WHERE rs.community_id = i.residents_of AND rs.left_at IS NULL) r
        WHERE r.user_id IS DISTINCT FROM i.by_user
        ORDER BY i.ord, r.user_id
       RETURNING id, user_id, community_id, kind, partnership_id, match_id, contract_id, booking_id, service_log_id`,
      [
        column((_, i) => i),
        column((n) => n.kind),
        // The text in the default language too, for readers of the table that do not render messages.
        column((n) => (typeof n.message === 'string' ? n.message : render(DEFAULT_LOCALE, n.message)).slice(0, TEXT_MAX)),
        column((n) => n.communityId ?? null),
        column((n) => n.refs?.partnershipId ?? null),
        column((n) => n.refs?.matchId ?? null),
        column((n) => n.refs?.contractId ?? null),
        column((n) => n.refs?.bookingId ?? null),
        column((n) => n.refs?.serviceLogId ?? null),
        column((n) => n.to.membersOf ?? null),
        column((n) => n.to.secretariesOf ?? null),
        column((n) => n.by ?? null),
        users.map(([i]) => i),
        users.map(([, userId]) => userId),
        column((n) => (typeof n.message === 'string' ? null : n.message.id)),
        column((n) => (typeof n.message === 'string' ? null : JSON.stringify(n.message.values ?? {}))),
        column((n) => n.to.residentsOf ?? null),
      ],
    );
  for (const row of rows) {
    const refs: Refs = { notificationId: row.id };
    if (row.partnership_id) refs.partnershipId = row.partnership_id;
    if (row.match_id) refs.matchId = row.match_id;
    if (row.contract_id) refs.contractId = row.contract_id;
    if (row.booking_id) refs.bookingId = row.booking_id;
    if (row.service_log_id) refs.serviceLogId = row.service_log_id;
    publish(tx, topics.inbox(row.user_id), { kind: row.kind, communityId: row.community_id, refs });
  }
  return rows.length;
}

/** One transition, told to everyone concerned: inbox rows for `notify`, live events on `topics`. */
export interface Announcement {
  /** `<OBJECT>_<NEW STATUS>`, e.g. MATCH_APPROVED. */
  kind: string;
  /** The inbox text (a catalogue message, see src/i18n); leave out `notify` when nobody should get an inbox row. */
  message?: string | Msg;
  communityId: string;
  by: string | null;
  refs: Omit<Refs, 'notificationId'>;
  notify?: Recipients;
  /** Live topics, from `topics` in events.ts. */
  topics?: string[];
}

/** One announcement: what live.subscribers.ts makes of a domain event (domains emit events, see src/common/domain-events.ts). */
export function announce(tx: EntityManager, a: Announcement): Promise<void> {
  return announceMany(tx, [a]);
}

/** Many transitions of one bulk operation: each published on its topics, all inbox rows in ONE statement. */
export async function announceMany(tx: EntityManager, announcements: Announcement[]): Promise<void> {
  const at = clockNow().toISOString();
  for (const a of announcements) {
    for (const topic of a.topics ?? []) publish(tx, topic, { kind: a.kind, at, communityId: a.communityId, refs: a.refs });
  }
  await notifyMany(
    tx,
    announcements
      .filter((a) => a.notify && a.message)
      .map((a) => ({ to: a.notify!, by: a.by, kind: a.kind, message: a.message!, communityId: a.communityId, refs: a.refs })),
  );
}

/** Newest first; the id breaks ties between rows of one transaction. */
const newestFirst: SortKey<Notification>[] = [
  { sql: 'n.created_at', dir: 'DESC', kind: 'instant', value: (r) => r.createdAt.toISOString() },
  { sql: 'n.id', dir: 'DESC', kind: 'uuid', value: (r) => r.id },
];

export function listNotifications(ctx: Ctx, userId: string, unreadOnly: boolean, page: PageArgs) {
  const qb = ctx.db.getRepository(Notification).createQueryBuilder('n').where('n.user_id = :userId', { userId });
  if (unreadOnly) qb.andWhere('n.read_at IS NULL');
  return paginate(qb, newestFirst, page);
}

export const MARK_READ_MAX = 500;

/** Marks the caller's own unread notifications among `ids` read; others' ids are silently skipped. */
export async function markNotificationsRead(ctx: Ctx, userId: string, ids: string[]): Promise<number> {
  if (ids.length > MARK_READ_MAX) throw BadUserInputError.field('ids', msg('field.atMostAtATime', { max: MARK_READ_MAX }));
  const bad = ids.map((id, i) => [id, i] as const).filter(([id]) => !isUuid(id));
  if (bad.length) throw new BadUserInputError(bad.map(([, i]) => fieldError(`ids[${i}]`, msg('field.notificationId'))));
  if (!ids.length) return 0;
  return inTransaction(ctx.db, async (tx) => {
    const result = await tx
      .createQueryBuilder()
      .update(Notification)
      .set({ readAt: () => 'now()' })
      .where('id = ANY(:ids) AND user_id = :userId AND read_at IS NULL', { ids: [...new Set(ids)], userId })
      .execute();
    return result.affected ?? 0;
  });
}
