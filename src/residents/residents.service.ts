import { hydrate, groupedBy } from '../common/loaders';
import { now } from '../common/clock';
import { isUuid } from '../common/ids';
import { checkText, TITLE_MAX } from '../common/validation';
import type { Ctx } from '../context';
import { inTransaction } from '../db/transaction';
import { AppError, ConflictError, fieldError, InvalidStateError } from '../errors';
import { msg } from '../i18n/messages';
import { Residency } from './residency.entity';

/**
 * Residency (issue #14): a signed-in person says they live in a community (and in which building),
 * leaves it again, and a secretary of the community vouches for them. Callers are checked by
 * residents.policy.ts before these run.
 */

/** A building as stored: trimmed, null when blank. */
function building(value: string | null | undefined): string | null {
  checkText('building', value, { max: TITLE_MAX });
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}

/** The caller starts living in the community. One current residency per community: a second join is a CONFLICT. */
export async function join(ctx: Ctx, communityId: string, userId: string, buildingName: string | null | undefined): Promise<Residency> {
  const value = building(buildingName);
  const raw: Record<string, unknown>[] = await inTransaction(ctx.db, (tx) =>
    tx.query(
      `WITH r AS (
         INSERT INTO residency (user_id, community_id, building, since) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, community_id) WHERE left_at IS NULL DO NOTHING
         RETURNING *)
       SELECT * FROM r`,
      [userId, communityId, value, now()],
    ),
  );
  if (!raw.length) throw new ConflictError(msg('residency.alreadyResident'));
  return hydrate(ctx, Residency, raw)[0];
}

/** The caller stops living in the community (the row stays, left). Not living there: INVALID_STATE. */
export async function leave(ctx: Ctx, communityId: string, userId: string): Promise<boolean> {
  const left: unknown[] = await inTransaction(ctx.db, (tx) =>
    tx.query(
      `WITH l AS (UPDATE residency SET left_at = greatest($3::timestamptz, since)
                  WHERE user_id = $1 AND community_id = $2 AND left_at IS NULL RETURNING id)
       SELECT id FROM l`,
      [userId, communityId, now()],
    ),
  );
  if (!left.length) throw new InvalidStateError(msg('residency.notResident'));
  return true;
}

/** A secretary of the community vouches for a current resident (again: nothing changes). */
export async function verify(ctx: Ctx, communityId: string, userId: string, by: string): Promise<Residency> {
  const raw: Record<string, unknown>[] = isUuid(userId)
    ? await inTransaction(ctx.db, (tx) =>
        tx.query(
          `WITH current AS (SELECT * FROM residency WHERE user_id = $1 AND community_id = $2 AND left_at IS NULL FOR UPDATE),
                done AS (UPDATE residency r SET verified = true, verified_by = $3, verified_at = $4
                         FROM current c WHERE r.id = c.id AND NOT c.verified RETURNING r.*)
           SELECT * FROM done UNION ALL SELECT * FROM current WHERE verified`,
          [userId, communityId, by, now()],
        ),
      )
    : [];
  if (!raw.length) throw new AppError('NOT_FOUND', msg('residency.notFound', { id: userId }), { fields: [fieldError('userId', msg('residency.notFound.field'))] });
  return hydrate(ctx, Residency, raw)[0];
}

/** A person's current residencies, oldest first (whose the viewer may see: residents.visibility.ts). */
export function residenciesOf(ctx: Ctx, userId: string): Promise<Residency[]> {
  return groupedBy(ctx, Residency, 'userId', { since: 'ASC', id: 'ASC' })
    .load(userId)
    .then((rows) => rows.filter((r) => r.leftAt === null));
}

/** Whether the person lives in the community now. */
export async function isResident(ctx: Ctx, communityId: string, userId: string): Promise<boolean> {
  return (await residenciesOf(ctx, userId)).some((r) => r.communityId === communityId);
}
