import type { DataSource, EntityManager } from 'typeorm';
import { now } from '../common/clock';
import { emit, type DomainEvent } from '../common/domain-events';
import { findOr404, findOrNull } from '../common/find';
import { isUuid } from '../common/ids';
import { byId, hydrate, hydrateRow, loader } from '../common/loaders';
import { BOARD_RATINGS_MAX, PARTNER_RATINGS_MAX } from '../common/row-bounds';
import { checkText } from '../common/validation';
import type { Ctx } from '../context';
import { inTransaction } from '../db/transaction';
import { BadUserInputError, fieldError, InvalidStateError, type FieldError } from '../errors';
import { msg } from '../i18n/messages';
import { Partner, PartnershipStatus } from '../partners/partner.entity';
import { DEFAULT_CRITERIA, PartnerRating, RatingBallot, RatingPanellist, RatingRound, RatingRoundStatus, type RatingCriterion } from './rating-round.entity';
import type { CriterionScoreInput, OpenRatingRoundInput } from './ratings.inputs';
import { ratingRoundLifecycle } from './ratings.lifecycle';

/**
 * Rating rounds (评估定星, issue #15). A secretary opens a round (criteria, partners with an ACTIVE
 * partnership, the panel); each panellist scores each partner on every criterion 1-5, replacing
 * their ballot until the close; closing computes the results and freezes them in partner_rating
 * in the same transaction. Callers are checked by ratings.policy.ts first.
 *
 * The close and the scores meet on the round's row: a ballot is written under a share lock on it,
 * the close takes it for update. So a ballot either commits before the close (and is counted) or
 * waits for it and is then refused (INVALID_STATE): none is lost, none counts after the close.
 */

export const findRound = (ctx: Ctx, id: string, path = 'id') => findOr404(ctx, RatingRound, id, { thing: 'ratingRound', path });
export const roundOrNull = (ctx: Ctx, id: string) => findOrNull(ctx, RatingRound, id);

/** How long before `closesAt` the panel is reminded. */
export const REMINDER_BEFORE_MS = 24 * 3_600_000;

const listedTwice = <T>(values: readonly T[]): number[] => values.map((v, i) => (values.indexOf(v) !== i ? i : -1)).filter((i) => i >= 0);

function roundCriteria(input: OpenRatingRoundInput): RatingCriterion[] {
  if (!input.criteria) return DEFAULT_CRITERIA.map((c) => ({ ...c }));
  const criteria = input.criteria.map((c) => ({ key: c.key, name: c.name.trim(), weight: c.weight ?? 1 }));
  const twice = listedTwice(criteria.map((c) => c.key));
  if (twice.length) throw new BadUserInputError(twice.map((i) => fieldError(`input.criteria[${i}].key`, msg('field.listedTwice'))));
  return criteria;
}

/** What is wrong with the partners and the panel of a round being opened (read in the opening transaction). */
async function checkParticipants(tx: EntityManager, input: OpenRatingRoundInput): Promise<void> {
  const errors: FieldError[] = [];
  for (const i of listedTwice(input.partnerIds)) errors.push(fieldError(`input.partnerIds[${i}]`, msg('field.listedTwice')));
  for (const i of listedTwice(input.panelUserIds)) errors.push(fieldError(`input.panelUserIds[${i}]`, msg('field.listedTwice')));
  // Partners must be ACTIVE here: their partnerships are held (share lock) until the round exists.
  const active: { partner_id: string }[] = await tx.query(
    `SELECT partner_id FROM partnership WHERE community_id = $1 AND status = $2 AND partner_id = ANY($3::uuid[]) FOR SHARE`,
    [input.communityId, PartnershipStatus.ACTIVE, input.partnerIds.filter(isUuid)],
  );
  const activeIds = new Set(active.map((r) => r.partner_id));
  const inactive = input.partnerIds.map((id, i) => [id, i] as const).filter(([id]) => !activeIds.has(id));
  for (const [, i] of inactive) errors.push(fieldError(`input.partnerIds[${i}]`, msg('rating.partnerNotActive')));
  const users: { id: string }[] = await tx.query(`SELECT id FROM app_user WHERE id = ANY($1::uuid[])`, [input.panelUserIds.filter(isUuid)]);
  const known = new Set(users.map((u) => u.id));
  input.panelUserIds.forEach((id, i) => {
    if (!known.has(id)) errors.push(fieldError(`input.panelUserIds[${i}]`, msg('rating.unknownUser')));
  });
  if (!errors.length) return;
  const error = new BadUserInputError(errors);
  // The partners without an ACTIVE partnership here, by id (a client names them to the secretary).
  if (inactive.length) Object.assign(error.extensions, { partnerIds: inactive.map(([id]) => id) });
  throw error;
}

/** A secretary of the community opens a round: the round, its partners and its panel in one transaction; the panel is told. */
export async function openRound(ctx: Ctx, input: OpenRatingRoundInput, by: string): Promise<RatingRound> {
  if (!(input.closesAt instanceof Date) || input.closesAt.getTime() <= now().getTime()) throw BadUserInputError.field('input.closesAt', msg('field.mustBeInFuture'));
  const criteria = roundCriteria(input);
  return inTransaction(ctx.db, async (tx) => {
    await checkParticipants(tx, input);
    const round = await tx.save(
      tx.create(RatingRound, {
        communityId: input.communityId,
        title: input.title.trim(),
        period: input.period.trim(),
        status: RatingRoundStatus.OPEN,
        closesAt: input.closesAt,
        criteria,
        openedBy: by,
        remindedAt: null,
        closedAt: null,
      }),
    );
    await tx.query(
      `INSERT INTO rating_round_partner (community_id, round_id, partner_id) SELECT $1, $2, unnest($3::uuid[])`,
      [round.communityId, round.id, input.partnerIds],
    );
    await tx.query(`INSERT INTO rating_panellist (community_id, round_id, user_id) SELECT $1, $2, unnest($3::uuid[])`, [round.communityId, round.id, input.panelUserIds]);
    await ratingRoundLifecycle.created(tx, round, { by, communityId: round.communityId });
    return round;
  });
}

/** A round as the loaders below know it: by id, with its community (which names its shard under Citus). */
type RoundRef = Pick<RatingRound, 'id' | 'communityId'>;
const roundKey = (round: RoundRef) => `${round.communityId}/${round.id}`;
/** The rounds of a batch of keys: their ids (in the keys' order) and their communities. */
function roundsOf(keys: readonly string[]) {
  const ids = keys.map((k) => k.slice(k.indexOf('/') + 1));
  return { ids, communities: [...new Set(keys.map((k) => k.slice(0, k.indexOf('/'))))] };
}

/** Whether the user sits on the round's panel. */
export async function isPanellist(ctx: Ctx, round: RoundRef, userId: string): Promise<boolean> {
  return (await panelOf(ctx, round)).includes(userId);
}

/** The round's panel (user ids), batched across the request's rounds. */
export async function panelOf(ctx: Ctx, round: RoundRef): Promise<string[]> {
  return (await panelWithProgress(ctx, round)).map((p) => p.userId);
}

/** The round's panel with how many partners each has scored, batched across the request's rounds. */
export function panelWithProgress(ctx: Ctx, round: RoundRef): Promise<RatingPanellist[]> {
  return loader<string, RatingPanellist[]>(ctx, 'ratingPanel', async (keys) => {
    const { ids, communities } = roundsOf(keys);
    const rows: { round_id: string; user_id: string; scored: number }[] = await ctx.db.query(
      `SELECT p.round_id, p.user_id,
              (SELECT count(*)::int FROM rating_ballot b WHERE b.community_id = p.community_id AND b.round_id = p.round_id AND b.panellist_id = p.user_id) AS scored
         FROM rating_panellist p WHERE p.community_id = ANY($2::uuid[]) AND p.round_id = ANY($1::uuid[]) ORDER BY p.user_id`,
      [ids, communities],
    );
    return ids.map((id) => rows.filter((r) => r.round_id === id).map((r) => Object.assign(new RatingPanellist(), { userId: r.user_id, scoredPartners: r.scored })));
  }).load(roundKey(round));
}

/** The round's partners (ids, in name order), batched. */
function partnerIdsOf(ctx: Ctx, round: RoundRef): Promise<string[]> {
  return loader<string, string[]>(ctx, 'ratingRoundPartners', async (keys) => {
    const { ids, communities } = roundsOf(keys);
    const rows: { round_id: string; partner_id: string }[] = await ctx.db.query(
      `SELECT rp.round_id, rp.partner_id FROM rating_round_partner rp JOIN partner p ON p.id = rp.partner_id
        WHERE rp.community_id = ANY($2::uuid[]) AND rp.round_id = ANY($1::uuid[]) ORDER BY p.name, p.id`,
      [ids, communities],
    );
    return ids.map((id) => rows.filter((r) => r.round_id === id).map((r) => r.partner_id));
  }).load(roundKey(round));
}

/** The round's partners, in name order. */
export async function partnersOf(ctx: Ctx, round: RoundRef): Promise<Partner[]> {
  const rows = await byId(ctx, Partner).loadMany(await partnerIdsOf(ctx, round));
  return rows.filter((p): p is Partner => !!p && !(p instanceof Error));
}

/** The scores must name every criterion of the round exactly once. */
function checkScores(round: RatingRound, scores: CriterionScoreInput[]): void {
  const keys = round.criteria.map((c) => c.key);
  const errors: FieldError[] = [];
  scores.forEach((s, i) => {
    if (!keys.includes(s.key)) errors.push(fieldError(`scores[${i}].key`, msg('rating.unknownCriterion')));
  });
  for (const i of listedTwice(scores.map((s) => s.key))) errors.push(fieldError(`scores[${i}].key`, msg('field.listedTwice')));
  const missing = keys.filter((k) => !scores.some((s) => s.key === k));
  if (missing.length) errors.push(fieldError('scores', msg('rating.missingCriteria', { keys: missing.join(', ') })));
  if (errors.length) throw new BadUserInputError(errors);
}

/** The round's row under a share lock (the close waits for it), refused unless it is still OPEN. */
async function lockOpenRound(tx: EntityManager, id: string): Promise<RatingRound> {
  const raw: Record<string, unknown>[] = await tx.query(`SELECT * FROM rating_round WHERE id = $1 FOR SHARE`, [id]);
  const round = hydrateRow<RatingRound>(tx.connection, tx.connection.getMetadata(RatingRound), raw[0]);
  if (round.status !== RatingRoundStatus.OPEN) throw new InvalidStateError(msg('rating.roundClosed'));
  return round;
}

/**
 * A panellist's ballot for one partner (ratings.policy.ts `mayScore` checked who): every criterion
 * scored 1-5, replacing their earlier ballot for that partner. Refused once the round is closed or
 * its `closesAt` has passed.
 */
export async function score(ctx: Ctx, round: RatingRound, partnerId: string, scores: CriterionScoreInput[], comment: string | null | undefined, by: string): Promise<RatingRound> {
  checkText('comment', comment);
  checkScores(round, scores);
  if (!(await partnerIdsOf(ctx, round)).includes(partnerId)) throw BadUserInputError.field('partnerId', msg('rating.partnerNotInRound'));
  return inTransaction(ctx.db, async (tx) => {
    const locked = await lockOpenRound(tx, round.id);
    const at = now();
    if (locked.closesAt.getTime() <= at.getTime()) throw new InvalidStateError(msg('rating.roundPastClose'));
    const key = [round.communityId, round.id, partnerId, by];
    await tx.query(
      `INSERT INTO rating_ballot (community_id, round_id, partner_id, panellist_id, comment, scored_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (community_id, round_id, partner_id, panellist_id) DO UPDATE SET comment = excluded.comment, scored_at = excluded.scored_at`,
      [...key, comment?.trim() || null, at],
    );
    // Every criterion is named once, so the upsert leaves no score of the earlier ballot behind.
    await tx.query(
      `INSERT INTO rating_score (community_id, round_id, partner_id, panellist_id, criterion_key, score)
       SELECT $1, $2, $3, $4, s.key, s.score FROM unnest($5::text[], $6::int[]) AS s(key, score)
       ON CONFLICT (community_id, round_id, partner_id, panellist_id, criterion_key) DO UPDATE SET score = excluded.score`,
      [...key, scores.map((s) => s.key), scores.map((s) => s.score)],
    );
    return locked;
  });
}

/**
 * The results of a round from the scores committed so far, written to partner_rating: per partner,
 * the panel's average on each criterion, their weighted mean (the score, four decimals), the stars
 * (the score rounded half up) and the ballots (panellists who scored it). A partner nobody scored
 * gets no result. Runs in the closing transaction, under the round's row lock.
 */
async function freezeResults(tx: EntityManager, round: RatingRound, at: Date): Promise<{ partner_id: string; stars: number }[]> {
  return tx.query(
    `WITH criterion AS (
       SELECT c->>'key' AS key, (c->>'weight')::float8 AS weight, ord
         FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS t(c, ord)),
     average AS (
       SELECT partner_id, criterion_key AS key, avg(score)::float8 AS average
         FROM rating_score WHERE community_id = $1 AND round_id = $2 GROUP BY partner_id, criterion_key),
     ballots AS (
       SELECT partner_id, count(*)::int AS ballots FROM rating_ballot WHERE community_id = $1 AND round_id = $2 GROUP BY partner_id),
     result AS (
       SELECT a.partner_id,
              round((sum(a.average * c.weight) / sum(c.weight))::numeric, 4) AS score,
              jsonb_agg(jsonb_build_object('key', c.key, 'average', round(a.average::numeric, 4)) ORDER BY c.ord) AS by_criterion
         FROM average a JOIN criterion c ON c.key = a.key
        GROUP BY a.partner_id)
     INSERT INTO partner_rating (community_id, round_id, partner_id, stars, score, ballots, by_criterion, published_at)
     SELECT $1, $2, r.partner_id, floor(r.score + 0.5)::int, r.score, b.ballots, r.by_criterion, $4
       FROM result r JOIN ballots b USING (partner_id)
     RETURNING partner_id, stars`,
    [round.communityId, round.id, JSON.stringify(round.criteria), at],
  );
}

/** Closes a round and freezes its results inside `tx`; `by` null: the sweep closing it at `closesAt`. */
export async function closeInTx(tx: EntityManager, id: string, by: string | null): Promise<RatingRound> {
  const raw: Record<string, unknown>[] = await tx.query(`SELECT * FROM rating_round WHERE id = $1 FOR UPDATE`, [id]);
  const round = hydrateRow<RatingRound>(tx.connection, tx.connection.getMetadata(RatingRound), raw[0]);
  if (round.status !== RatingRoundStatus.OPEN) throw new InvalidStateError(msg('rating.roundClosed'));
  const at = now();
  const rated = await freezeResults(tx, round, at);
  return ratingRoundLifecycle.apply(
    tx,
    round,
    RatingRoundStatus.CLOSED,
    { by, communityId: round.communityId, noteMessage: by ? null : msg('history.ratingRoundTimeUp'), values: { rated: rated.length } },
    { closedAt: at },
  );
}

/** The secretary closes the round: results computed and published now. */
export function closeRound(ctx: Ctx, id: string, by: string): Promise<RatingRound> {
  return inTransaction(ctx.db, (tx) => closeInTx(tx, id, by));
}

/** The round's frozen results, best first, batched across the request's rounds. */
export function resultsOf(ctx: Ctx, round: RoundRef): Promise<PartnerRating[]> {
  return loader<string, PartnerRating[]>(ctx, 'ratingResults', async (keys) => {
    const { ids, communities } = roundsOf(keys);
    const rows = await ctx.db.query(
      `SELECT * FROM partner_rating WHERE community_id = ANY($2::uuid[]) AND round_id = ANY($1::uuid[]) ORDER BY score DESC, partner_id`,
      [ids, communities],
    );
    const ratings = rows.map(toRating);
    return ids.map((id) => ratings.filter((r: PartnerRating) => r.roundId === id));
  }).load(roundKey(round));
}

/** A partner's published ratings, the newest PARTNER_RATINGS_MAX first, batched across the request's partners (one statement). */
export function ratingsOfPartner(ctx: Ctx, partnerId: string): Promise<PartnerRating[]> {
  return loader<string, PartnerRating[]>(ctx, 'partnerRatings', async (ids) => {
    const rows = await ctx.db.query(
      `SELECT pr.* FROM unnest($1::uuid[]) AS k(partner_id)
         CROSS JOIN LATERAL (SELECT * FROM partner_rating r WHERE r.partner_id = k.partner_id ORDER BY r.published_at DESC, r.round_id DESC LIMIT $2) pr
        ORDER BY pr.published_at DESC, pr.round_id DESC`,
      [ids, PARTNER_RATINGS_MAX],
    );
    const ratings = rows.map(toRating);
    return ids.map((id) => ratings.filter((r: PartnerRating) => r.partnerId === id));
  }).load(partnerId);
}

/** The public board's ratings: the results of the community's closed rounds, newest round first, best first within it. */
export async function boardRatings(ctx: Ctx, communityId: string): Promise<PartnerRating[]> {
  const rows = await ctx.db.query(
    `SELECT * FROM partner_rating WHERE community_id = $1 ORDER BY published_at DESC, round_id DESC, score DESC, partner_id LIMIT $2`,
    [communityId, BOARD_RATINGS_MAX],
  );
  return rows.map(toRating);
}

function toRating(r: Record<string, unknown>): PartnerRating {
  return Object.assign(new PartnerRating(), {
    communityId: r.community_id as string,
    roundId: r.round_id as string,
    partnerId: r.partner_id as string,
    stars: Number(r.stars),
    score: Number(r.score),
    ballots: Number(r.ballots),
    byCriterion: (r.by_criterion as { key: string; average: number }[]).map((c) => ({ key: c.key, average: Number(c.average) })),
    publishedAt: r.published_at instanceof Date ? r.published_at : new Date(r.published_at as string),
  });
}

/** How many panellists have scored every partner of the round, batched. */
export function ballotsCast(ctx: Ctx, round: RoundRef): Promise<number> {
  return loader<string, number>(ctx, 'ratingBallotsCast', async (keys) => {
    const { ids, communities } = roundsOf(keys);
    const rows: { round_id: string; n: number }[] = await ctx.db.query(
      `SELECT b.round_id, count(*)::int AS n FROM (
         SELECT community_id, round_id, panellist_id, count(*) AS scored FROM rating_ballot
          WHERE community_id = ANY($2::uuid[]) AND round_id = ANY($1::uuid[]) GROUP BY community_id, round_id, panellist_id) b
        WHERE b.scored = (SELECT count(*) FROM rating_round_partner rp WHERE rp.community_id = ANY($2::uuid[]) AND rp.community_id = b.community_id AND rp.round_id = b.round_id)
        GROUP BY b.round_id`,
      [ids, communities],
    );
    return ids.map((id) => rows.find((r) => r.round_id === id)?.n ?? 0);
  }).load(roundKey(round));
}

/** A page of the community's rounds, newest first; `after` is the id of the last round of the previous page. */
export async function listRounds(ctx: Ctx, communityId: string, first: number, after: string | null | undefined): Promise<RatingRound[]> {
  if (!Number.isInteger(first) || first < 0 || first > 100) throw BadUserInputError.field('first', msg('field.betweenZeroAnd', { max: 100 }));
  if (after != null && !isUuid(after)) throw BadUserInputError.field('after', msg('rating.badCursor'));
  const raw: Record<string, unknown>[] = await ctx.db.query(
    `SELECT r.* FROM rating_round r
      WHERE r.community_id = $1
        AND ($2::uuid IS NULL OR (r.created_at, r.id) < (SELECT a.created_at, a.id FROM rating_round a WHERE a.id = $2 AND a.community_id = $1))
      ORDER BY r.created_at DESC, r.id DESC LIMIT $3`,
    [communityId, after ?? null, first],
  );
  return hydrate(ctx, RatingRound, raw);
}

// ---------------------------------------------------------------- what time does: reminders and the close at closesAt

/**
 * Tells each panel whose round closes within a day, once per round (the UPDATE that marks it is
 * the only one that takes the row, so several processes sweeping at once never tell twice). Each
 * panellist reads how many of the round's partners they have scored.
 */
export async function remindPanels(db: DataSource): Promise<number> {
  return inTransaction(db, async (tx) => {
    const at = now();
    const rows: { round_id: string; community_id: string; title: string; closes_at: Date; user_id: string; scored: number; partners: number }[] = await tx.query(
      `WITH due AS (
         UPDATE rating_round SET reminded_at = $1
          WHERE status = 'OPEN' AND reminded_at IS NULL AND closes_at > $1 AND closes_at <= $1::timestamptz + $2 * interval '1 millisecond'
          RETURNING id, community_id, title, closes_at)
       SELECT d.id AS round_id, d.community_id, d.title, d.closes_at, p.user_id,
              (SELECT count(*)::int FROM rating_ballot b WHERE b.round_id = d.id AND b.panellist_id = p.user_id) AS scored,
              (SELECT count(*)::int FROM rating_round_partner rp WHERE rp.round_id = d.id) AS partners
         FROM due d JOIN rating_panellist p ON p.round_id = d.id AND p.community_id = d.community_id
        ORDER BY d.id, p.user_id`,
      [at, REMINDER_BEFORE_MS],
    );
    const events: DomainEvent[] = rows.map((r) => ({
      kind: 'RATING_ROUND_CLOSING',
      communityId: r.community_id,
      by: null,
      refs: { ratingRoundId: r.round_id },
      notify: { userIds: [r.user_id] },
      message: msg('notification.rating.closing', { title: r.title, scored: r.scored, partners: r.partners }),
    }));
    await emit(tx, events);
    return new Set(rows.map((r) => r.round_id)).size;
  });
}

/** Closes every OPEN round whose `closesAt` has passed, each in its own transaction (a round closed meanwhile is skipped). */
export async function closeOverdueRounds(db: DataSource): Promise<number> {
  const due: { id: string }[] = await db.query(`SELECT id FROM rating_round WHERE status = 'OPEN' AND closes_at <= $1 ORDER BY closes_at, id`, [now()]);
  let closed = 0;
  for (const { id } of due) {
    try {
      await inTransaction(db, (tx) => closeInTx(tx, id, null));
      closed++;
    } catch (error) {
      if (!(error instanceof InvalidStateError)) throw error;
    }
  }
  return closed;
}

/** The viewer's own ballots in a round, by partner (empty for anyone not on its panel). */
/** The user's ballots in the round, batched across the request's rounds (one statement per user and request). */
export async function ballotsOf(ctx: Ctx, round: RatingRound, userId: string): Promise<RatingBallot[]> {
  type Row = { round_id: string; partner_id: string; comment: string | null; scored_at: Date; keys: string[]; scores: number[] };
  const rows = await loader<string, Row[]>(ctx, `ratingBallots:${userId}`, async (roundIds) => {
    const all: Row[] = await ctx.db.query(
      `SELECT b.round_id, b.partner_id, b.comment, b.scored_at, array_agg(s.criterion_key ORDER BY s.criterion_key) AS keys, array_agg(s.score ORDER BY s.criterion_key) AS scores
         FROM rating_ballot b JOIN rating_score s USING (community_id, round_id, partner_id, panellist_id)
        WHERE b.round_id = ANY($1::uuid[]) AND b.panellist_id = $2
        GROUP BY b.round_id, b.partner_id, b.comment, b.scored_at ORDER BY b.partner_id`,
      [roundIds, userId],
    );
    return roundIds.map((id) => all.filter((r) => r.round_id === id));
  }).load(round.id);
  const order = round.criteria.map((c) => c.key);
  return rows.map((r) =>
    Object.assign(new RatingBallot(), {
      communityId: round.communityId,
      partnerId: r.partner_id,
      comment: r.comment,
      scoredAt: new Date(r.scored_at),
      scores: r.keys.map((key, i) => ({ key, score: Number(r.scores[i]) })).sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key)),
    }),
  );
}
