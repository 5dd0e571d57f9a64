import type { EntityManager } from 'typeorm';
import type { Ctx } from '../context';
import { InvalidStateError } from '../errors';
import { msg } from '../i18n/messages';
import { inTransaction } from '../db/transaction';
import { now } from '../common/clock';
import { confirmedBy, normaliseEmail, rememberTokenVersion } from '../auth/auth.service';
import { PUBLIC_REQUEST_STATUSES } from '../residents/residents.visibility';
import { tellSessionsEnded } from '../live/live.service';

// The export, for the signed link that opens it in a browser (links/pages.routes.ts).
export { sendExport } from './export';

/** What an erased person is called wherever a record of a community or partner still points at them (app_user's CHECK). */
export const ERASED_NAME = '已注销用户';
/** The title a private request keeps once its requester is erased (resident_request.title is required). */
const ERASED_REQUEST_TITLE = '（内容已随账号注销删除）';

/**
 * Why this person cannot be erased now, checked under the row locks of the erasure: the admin,
 * a secretary, or the only owner of a partner must hand the role over first.
 */
async function refusal(tx: EntityManager, ctx: Ctx, userId: string, email: string): Promise<InvalidStateError | null> {
  const [me]: { is_admin: boolean; secretary_of: string[]; sole_owner_of: string[] }[] = await tx.query(
    `SELECT u.is_admin,
       ARRAY(SELECT c.name FROM community_secretary s JOIN community c ON c.id = s.community_id WHERE s.user_id = u.id ORDER BY c.name) AS secretary_of,
       ARRAY(SELECT p.name FROM partner_member m JOIN partner p ON p.id = m.partner_id
             WHERE m.user_id = u.id AND m.role = 'OWNER'
               AND NOT EXISTS (SELECT 1 FROM partner_member o WHERE o.partner_id = m.partner_id AND o.role = 'OWNER' AND o.user_id <> u.id)
             ORDER BY p.name) AS sole_owner_of
     FROM app_user u WHERE u.id = $1 FOR UPDATE`,
    [userId],
  );
  if (me.is_admin || email === normaliseEmail(ctx.config.adminEmail)) return new InvalidStateError(msg('privacy.adminCannotErase'));
  if (me.secretary_of.length) return new InvalidStateError(msg('privacy.secretaryCannotErase', { communities: me.secretary_of.join('、') }));
  if (me.sole_owner_of.length) return new InvalidStateError(msg('privacy.soleOwnerCannotErase', { partners: me.sole_owner_of.join('、') }));
  return null;
}

/**
 * Erases the signed-in person (PIPL Art. 47; docs/personal-data.md "Erasure", which lists what
 * happens to every kind of record). One transaction: the account names nobody and its tokens end;
 * the person's own data goes; the records of communities and partners stay, pointing at the
 * erased row, which every read names "已注销用户".
 */
export async function deleteMyAccount(ctx: Ctx, password: string): Promise<boolean> {
  const me = await confirmedBy(ctx, 'password', password);
  const userId = me.id;
  const email = me.email!;
  const version = await inTransaction(ctx.db, async (tx) => {
    const refused = await refusal(tx, ctx, userId, email);
    if (refused) throw refused;
    const at = now();
    // Where they live: the building on residencies and requests; a current residency ends.
    await tx.query(`UPDATE residency SET building = NULL, left_at = coalesce(left_at, greatest($2::timestamptz, since)) WHERE user_id = $1`, [userId, at]);
    // Requests: those the board showed keep their text (it was public); the others lose it.
    await tx.query(
      `UPDATE resident_request SET building = NULL, rating_comment = NULL,
         title = CASE WHEN status = ANY($2) THEN title ELSE $3 END,
         description = CASE WHEN status = ANY($2) THEN description ELSE NULL END
       WHERE requester_id = $1`,
      [userId, PUBLIC_REQUEST_STATUSES, ERASED_REQUEST_TITLE],
    );
    // Memberships end (a sole owner was refused above); invitations addressed to their e-mail go with it.
    await tx.query(`DELETE FROM partner_member WHERE user_id = $1`, [userId]);
    await tx.query(`DELETE FROM partner_invitation WHERE email = $1`, [email]);
    // What only they read: their inbox, their stored answers, certificates about them, the login throttle of their e-mail.
    await tx.query(`DELETE FROM notification WHERE user_id = $1`, [userId]);
    await tx.query(`DELETE FROM idempotency_key WHERE user_id = $1`, [userId]);
    await tx.query(`UPDATE signed_link SET revoked_at = coalesce(revoked_at, $2) WHERE volunteer_id = $1`, [userId, at]);
    await tx.query(`DELETE FROM login_attempt WHERE key = $1`, [email]);
    // Others' inbox rows that named them (a claim told to the secretaries: "{partner} claimed ..."): the name becomes ERASED_NAME.
    await tx.query(
      `UPDATE notification n SET message = replace(n.message, $1, $2),
         message_values = (SELECT jsonb_object_agg(e.k, CASE WHEN e.v = to_jsonb($1::text) THEN to_jsonb($2::text) ELSE e.v END) FROM jsonb_each(n.message_values) AS e(k, v))
       WHERE jsonb_typeof(n.message_values) = 'object' AND EXISTS (SELECT 1 FROM jsonb_each(n.message_values) AS e(k, v) WHERE e.v = to_jsonb($1::text))`,
      [me.displayName, ERASED_NAME],
    );
    // The account: no e-mail, password or name; every token ends (the version moves on).
    const [row]: { token_version: number }[] = await tx.query(
      `WITH u AS (UPDATE app_user SET email = NULL, password_hash = NULL, display_name = $2, locale = NULL, erased_at = $3, token_version = token_version + 1
                  WHERE id = $1 RETURNING token_version)
       SELECT token_version FROM u`,
      [userId, ERASED_NAME, at],
    );
    tellSessionsEnded(tx, userId);
    return row.token_version;
  });
  rememberTokenVersion(ctx.db, userId, version);
  ctx.log.info({ userId }, 'account erased');
  return true;
}
