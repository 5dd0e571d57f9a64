import type { EntityManager } from 'typeorm';
import type { Ctx } from '../context';
import { paginate, type PageArgs, type SortKey } from '../common/pagination';
import { TEXT_MAX } from '../common/validation';
import { inTransaction } from '../db/transaction';
import { BadUserInputError } from '../errors';
import { publish, topics, type Refs } from './events';
import { Notification } from './notification.entity';

/** Who is told: any mix of these, each person once. */
export interface Recipients {
  userIds?: string[];
  /** Every member of this partner. */
  membersOf?: string;
  /** Every secretary of this community. */
  secretariesOf?: string;
}

export interface NotificationInput {
  to: Recipients;
  /** Who made the change: never told about their own act. */
  by?: string | null;
  kind: string;
  message: string;
  communityId?: string | null;
  refs?: Omit<Refs, 'notificationId'>;
}

/**
 * Writes one inbox row per recipient, in ONE statement inside the caller's transaction: the rows
 * exist exactly when the change does. Each recipient's `notificationReceived` hears of it after commit.
 * Returns how many people were told.
 */
export async function notify(tx: EntityManager, n: NotificationInput): Promise<number> {
  const refs = n.refs ?? {};
  const rows: { id: string; user_id: string }[] = await tx.query(
    `INSERT INTO notification (user_id, community_id, kind, message, partnership_id, match_id, contract_id, booking_id, service_log_id)
     SELECT r.user_id, $1, $2, $3, $4, $5, $6, $7, $8
       FROM (SELECT unnest($9::uuid[]) AS user_id
             UNION SELECT user_id FROM partner_member WHERE partner_id = $10::uuid
             UNION SELECT user_id FROM community_secretary WHERE community_id = $11::uuid) r
      WHERE r.user_id IS DISTINCT FROM $12::uuid
     RETURNING id, user_id`,
    [
      n.communityId ?? null,
      n.kind,
      n.message.slice(0, TEXT_MAX),
      refs.partnershipId ?? null,
      refs.matchId ?? null,
      refs.contractId ?? null,
      refs.bookingId ?? null,
      refs.serviceLogId ?? null,
      n.to.userIds ?? [],
      n.to.membersOf ?? null,
      n.to.secretariesOf ?? null,
      n.by ?? null,
    ],
  );
  for (const row of rows) {
    publish(tx, topics.inbox(row.user_id), { kind: n.kind, communityId: n.communityId ?? null, refs: { ...refs, notificationId: row.id } });
  }
  return rows.length;
}

/** One transition, told to everyone concerned: inbox rows for `notify`, live events on `topics`. */
export interface Announcement {
  /** `<OBJECT>_<NEW STATUS>`, e.g. MATCH_APPROVED. */
  kind: string;
  /** The inbox text; leave out `notify` when nobody should get an inbox row. */
  message?: string;
  communityId: string;
  by: string | null;
  refs: Omit<Refs, 'notificationId'>;
  notify?: Recipients;
  /** Live topics, from `topics` in events.ts. */
  topics?: string[];
}

/** The one call a lifecycle transition makes to be seen live and kept in the inbox. */
export async function announce(tx: EntityManager, a: Announcement): Promise<void> {
  const at = new Date().toISOString();
  for (const topic of a.topics ?? []) publish(tx, topic, { kind: a.kind, at, communityId: a.communityId, refs: a.refs });
  if (a.notify && a.message) {
    await notify(tx, { to: a.notify, by: a.by, kind: a.kind, message: a.message, communityId: a.communityId, refs: a.refs });
  }
}

/** Newest first; the id breaks ties between rows of one transaction. */
const newestFirst: SortKey<Notification>[] = [
  { sql: 'n.created_at', dir: 'DESC', value: (r) => r.createdAt.toISOString() },
  { sql: 'n.id', dir: 'DESC', value: (r) => r.id },
];

export function listNotifications(ctx: Ctx, userId: string, unreadOnly: boolean, page: PageArgs) {
  const qb = ctx.db.getRepository(Notification).createQueryBuilder('n').where('n.user_id = :userId', { userId });
  if (unreadOnly) qb.andWhere('n.read_at IS NULL');
  return paginate(qb, newestFirst, page);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MARK_READ_MAX = 500;

/** Marks the caller's own unread notifications among `ids` read; others' ids are silently skipped. */
export async function markNotificationsRead(ctx: Ctx, userId: string, ids: string[]): Promise<number> {
  if (ids.length > MARK_READ_MAX) throw BadUserInputError.field('ids', `at most ${MARK_READ_MAX} at a time`);
  const bad = ids.map((id, i) => [id, i] as const).filter(([id]) => !UUID.test(id));
  if (bad.length) throw new BadUserInputError(bad.map(([, i]) => ({ path: `ids[${i}]`, message: 'not a notification id' })));
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
