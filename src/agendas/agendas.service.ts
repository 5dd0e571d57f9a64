import type { EntityManager } from 'typeorm';
import { readerId, viewerRoles, type ViewerRoles } from '../auth/policy';
import { now } from '../common/clock';
import { findOr404, findOrNull } from '../common/find';
import { isUuid } from '../common/ids';
import { hydrate, loader } from '../common/loaders';
import { encodeCursor, MAX_PAGE_SIZE, paginate, type Page, type PageArgs, type SortKey } from '../common/pagination';
import { BOARD_AGENDA_LIMIT } from '../common/row-bounds';
import type { Prefetch } from '../common/prefetch';
import { localToday } from '../common/slots';
import { checkText } from '../common/validation';
import { communityZone, DEFAULT_TIMEZONE } from '../communities/zones.service';
import type { Ctx } from '../context';
import { inTransaction } from '../db/transaction';
import { DemandItem } from '../demand/demand-item.entity';
import { BadUserInputError, InvalidStateError, NotFoundError } from '../errors';
import { msg } from '../i18n/messages';
import { Project } from '../projects/project.entity';
import { projectVisibility } from '../projects/projects.visibility';
import { AgendaItem, AgendaStatus, Opinion, Stance } from './agenda-item.entity';
import type { ProposeAgendaItemInput, RecordDecisionInput } from './agendas.inputs';
import { agendaLifecycle } from './agendas.lifecycle';
import { agendaVisibility, PUBLIC_AGENDA_SQL } from './agendas.visibility';

/**
 * Deliberation (议事, issue #15 item 1): an item is put before a community's residents, they voice
 * one opinion each until it closes, a meeting decides and the secretary records the decision (or
 * withdraws the item). Callers are checked by agendas.policy.ts first; the status moves only
 * through `agendaLifecycle`.
 */

export const findAgendaItem = (ctx: Ctx, id: string, path = 'id') => findOr404(ctx, AgendaItem, id, { thing: 'agendaItem', path });

const trimmed = (value: string | null | undefined) => value?.trim() || null;

const isSecretaryOf = (roles: ViewerRoles, communityId: string) => roles.isAdmin || roles.secretaryOf.has(communityId);

function checkCloseInFuture(closeAt: Date, path: string): void {
  if (!(closeAt.getTime() > now().getTime())) throw BadUserInputError.field(path, msg('field.mustBeInFuture'));
}

/**
 * A secretary's (or an admin's) item opens at once; a verified resident's waits for the secretary
 * (PROPOSED). Who may propose at all: agendas.policy.ts mayPropose.
 */
export async function propose(ctx: Ctx, input: ProposeAgendaItemInput, roles: ViewerRoles): Promise<AgendaItem> {
  checkCloseInFuture(input.opinionsCloseAt, 'input.opinionsCloseAt');
  const opensNow = isSecretaryOf(roles, input.communityId);
  return inTransaction(ctx.db, async (tx) => {
    const item = await tx.save(
      tx.create(AgendaItem, {
        communityId: input.communityId,
        title: input.title.trim(),
        description: trimmed(input.description),
        status: opensNow ? AgendaStatus.OPEN_FOR_OPINIONS : AgendaStatus.PROPOSED,
        opinionsCloseAt: input.opinionsCloseAt,
        proposedBy: roles.userId,
        openedAt: opensNow ? now() : null,
      }),
    );
    await agendaLifecycle.created(tx, item, { by: roles.userId, communityId: item.communityId });
    return item;
  });
}

/** Whether the item takes opinions now (voice checks the same in its statement). */
export const takesOpinions = (item: AgendaItem) => item.status === AgendaStatus.OPEN_FOR_OPINIONS && item.opinionsCloseAt.getTime() > now().getTime();

/** The item, locked for the transaction (a decision waits for opinions being voiced, and the other way round). */
async function lockItem(tx: EntityManager, ctx: Ctx, id: string): Promise<AgendaItem> {
  const item = hydrate(ctx, AgendaItem, await tx.query(`SELECT * FROM agenda_item WHERE id = $1 FOR UPDATE`, [id]))[0];
  if (!item) throw new NotFoundError('agendaItem', id, 'id');
  return item;
}

/** The secretary opens a resident's proposal, with a new closing time if the proposed one passed or should change. */
export async function approve(ctx: Ctx, id: string, opinionsCloseAt: Date | null | undefined, by: string): Promise<AgendaItem> {
  return inTransaction(ctx.db, async (tx) => {
    const item = await lockItem(tx, ctx, id);
    agendaLifecycle.assertTransition(item.status, AgendaStatus.OPEN_FOR_OPINIONS);
    const closeAt = opinionsCloseAt ?? item.opinionsCloseAt;
    checkCloseInFuture(closeAt, 'opinionsCloseAt');
    return agendaLifecycle.apply(tx, item, AgendaStatus.OPEN_FOR_OPINIONS, { by, communityId: item.communityId }, { openedAt: now(), opinionsCloseAt: closeAt });
  });
}

/**
 * A resident voices their opinion, or changes it: one row per item and person, written by ONE
 * upsert on the unique key, so concurrent voices of one person end as the last one written. The
 * item is read in the same statement with a share lock: open, and before its closing time; a
 * decision or withdrawal (which locks it for update) waits for the voices under way, and a voice
 * that waited for one sees the item closed.
 */
export async function voice(ctx: Ctx, itemId: string, stance: Stance, text: string | null | undefined, anonymous: boolean, by: string): Promise<Opinion> {
  checkText('text', text);
  const at = now();
  const raw: Record<string, unknown>[] = await inTransaction(ctx.db, (tx) =>
    tx.query(
      `WITH item AS (
         SELECT id, community_id FROM agenda_item WHERE id = $1 AND status = 'OPEN_FOR_OPINIONS' AND opinions_close_at > $6 FOR SHARE),
       voiced AS (
         INSERT INTO agenda_opinion (community_id, agenda_item_id, author_id, stance, text, anonymous, created_at, updated_at)
         SELECT item.community_id, item.id, $2, $3, $4, $5, $6, $6 FROM item
         ON CONFLICT (community_id, agenda_item_id, author_id) DO UPDATE
           SET stance = EXCLUDED.stance, text = EXCLUDED.text, anonymous = EXCLUDED.anonymous,
               updated_at = greatest(agenda_opinion.updated_at, EXCLUDED.updated_at), revision = agenda_opinion.revision + 1
         RETURNING *)
       SELECT * FROM voiced`,
      [itemId, by, stance, trimmed(text), anonymous, at],
    ),
  );
  if (raw.length) return hydrate(ctx, Opinion, raw)[0];
  const item = (await ctx.db.getRepository(AgendaItem).findOneBy({ id: itemId }))!;
  if (item.status !== AgendaStatus.OPEN_FOR_OPINIONS) throw new InvalidStateError(msg('agenda.notOpen', { status: { msg: 'status', values: { status: item.status } } }));
  throw new InvalidStateError(msg('agenda.opinionsClosed', { closedAt: { at: item.opinionsCloseAt.toISOString(), timeZone: (await communityZone(ctx, item.communityId)) ?? DEFAULT_TIMEZONE } }));
}

/** What a decision may link: a community's demand items or projects, named in errors as the input's list. */
interface LinkKind {
  table: typeof DemandItem | typeof Project;
  thing: 'demandItem' | 'project';
  field: 'demandIds' | 'projectIds';
  sameCommunity: 'agenda.demandSameCommunity' | 'agenda.projectSameCommunity';
}
const DEMAND_LINKS: LinkKind = { table: DemandItem, thing: 'demandItem', field: 'demandIds', sameCommunity: 'agenda.demandSameCommunity' };
const PROJECT_LINKS: LinkKind = { table: Project, thing: 'project', field: 'projectIds', sameCommunity: 'agenda.projectSameCommunity' };

/** The rows a decision links: each known (NOT_FOUND) and of the item's community (BAD_USER_INPUT), each named by its place in the list. */
async function checkLinks(ctx: Ctx, kind: LinkKind, communityId: string, ids: readonly string[]): Promise<string[]> {
  if (!ids.length) return [];
  const found: { id: string; communityId: string }[] = await ctx.db
    .getRepository(kind.table)
    .createQueryBuilder('t')
    .select(['t.id', 't.communityId'])
    .where('t.id = ANY(:ids)', { ids: ids.filter(isUuid) })
    .getMany();
  const byId = new Map(found.map((row) => [row.id, row]));
  ids.forEach((id, i) => {
    const row = byId.get(id);
    if (!row) throw new NotFoundError(kind.thing, id, `input.${kind.field}[${i}]`);
    if (row.communityId !== communityId) throw BadUserInputError.field(`input.${kind.field}[${i}]`, msg(kind.sameCommunity));
  });
  return [...new Set(ids)];
}

/**
 * The secretary records the meeting's decision: DECIDED with the meeting day (today or earlier),
 * attendance and outcome, and the demand items and projects it created, in one transaction. A meeting may
 * decide before the closing time (opinions stop then: a decided item is read-only).
 */
export async function recordDecision(ctx: Ctx, input: RecordDecisionInput, by: string): Promise<AgendaItem> {
  const found = await findAgendaItem(ctx, input.agendaItemId, 'input.agendaItemId');
  const zone = (await communityZone(ctx, found.communityId)) ?? DEFAULT_TIMEZONE;
  const today = localToday(zone);
  if (input.meetingDate > today) throw BadUserInputError.field('input.meetingDate', msg('agenda.meetingDayPassed', { today: { day: today }, zone }));
  const demandIds = await checkLinks(ctx, DEMAND_LINKS, found.communityId, input.demandIds ?? []);
  const projectIds = await checkLinks(ctx, PROJECT_LINKS, found.communityId, input.projectIds ?? []);
  return inTransaction(ctx.db, async (tx) => {
    const item = await lockItem(tx, ctx, found.id);
    const decided = await agendaLifecycle.apply(
      tx,
      item,
      AgendaStatus.DECIDED,
      { by, communityId: item.communityId },
      { meetingDate: input.meetingDate, attendees: input.attendees, outcome: input.outcome.trim(), decidedAt: now() },
    );
    if (demandIds.length) {
      await tx.query(`INSERT INTO agenda_item_demand (community_id, agenda_item_id, demand_id) SELECT $1, $2, unnest($3::uuid[])`, [item.communityId, item.id, demandIds]);
    }
    if (projectIds.length) {
      await tx.query(`INSERT INTO agenda_item_project (community_id, agenda_item_id, project_id) SELECT $1, $2, unnest($3::uuid[])`, [item.communityId, item.id, projectIds]);
    }
    return decided;
  });
}

/** The secretary withdraws an open item, or declines a resident's proposal, with a reason. */
export async function withdraw(ctx: Ctx, id: string, reason: string, by: string): Promise<AgendaItem> {
  checkText('reason', reason, { required: true });
  return inTransaction(ctx.db, async (tx) => {
    const item = await lockItem(tx, ctx, id);
    return agendaLifecycle.apply(tx, item, AgendaStatus.WITHDRAWN, { by, communityId: item.communityId, note: reason.trim() }, { withdrawalReason: reason.trim() });
  });
}

// ---------------------------------------------------------------- reads

/** One item as the viewer may see it (null when they may not, as for an unknown id). */
export async function agendaItemFor(ctx: Ctx, id: string): Promise<AgendaItem | null> {
  const item = await findOrNull(ctx, AgendaItem, id);
  if (!item) return null;
  return (await agendaVisibility(ctx, item)).row ? item : null;
}

/** Newest first. */
const NEWEST_FIRST: SortKey<AgendaItem>[] = [
  { sql: 'a.created_at', dir: 'DESC', kind: 'instant', value: (r) => r.createdAt.toISOString() },
  { sql: 'a.id', dir: 'DESC', kind: 'uuid', value: (r) => r.id },
];

/** A community's items, newest first, filtered in SQL by the same rule as agendaVisibility (proposals: their proposer, the secretaries, admins). */
export async function listAgendaItems(ctx: Ctx, communityId: string, status: AgendaStatus | null | undefined, page: PageArgs) {
  const qb = ctx.db.getRepository(AgendaItem).createQueryBuilder('a').where('a.community_id = :communityId', { communityId: isUuid(communityId) ? communityId : null });
  if (status) qb.andWhere('a.status = :status', { status });
  const me = readerId(ctx);
  const roles = me ? await viewerRoles(ctx) : null;
  if (!(roles && isSecretaryOf(roles, communityId))) qb.andWhere(`(${PUBLIC_AGENDA_SQL('a')} OR a.proposed_by = :me)`, { me });
  return paginate(qb, NEWEST_FIRST, page);
}

/** How recently decided an item stays on the public board. */
export const BOARD_DECIDED_DAYS = 30;

/** The public board's agenda: open items (closing soonest first), then items decided in the last 30 days (latest first). */
export async function boardAgendaOf(ctx: Ctx, communityId: string): Promise<AgendaItem[]> {
  const raw: Record<string, unknown>[] = await ctx.db.query(
    `SELECT * FROM agenda_item
      WHERE community_id = $1 AND (status = 'OPEN_FOR_OPINIONS' OR (status = 'DECIDED' AND decided_at > $2::timestamptz - interval '${BOARD_DECIDED_DAYS} days'))
      ORDER BY status <> 'OPEN_FOR_OPINIONS', CASE WHEN status = 'OPEN_FOR_OPINIONS' THEN opinions_close_at END ASC, decided_at DESC, id
      LIMIT ${BOARD_AGENDA_LIMIT}`,
    [communityId, now()],
  );
  return hydrate(ctx, AgendaItem, raw);
}

export interface OpinionCounts {
  support: number;
  oppose: number;
  neutral: number;
}

/** Each item's counts by stance, one statement for every item of the request. */
export function opinionCounts(ctx: Ctx, itemId: string): Promise<OpinionCounts> {
  return loader<string, OpinionCounts>(ctx, 'agendaOpinionCounts', async (ids) => {
    const rows: { id: string; support: number; oppose: number; neutral: number }[] = await ctx.db.query(
      `SELECT agenda_item_id AS id,
              count(*) FILTER (WHERE stance = 'SUPPORT')::int AS support,
              count(*) FILTER (WHERE stance = 'OPPOSE')::int AS oppose,
              count(*) FILTER (WHERE stance = 'NEUTRAL')::int AS neutral
         FROM agenda_opinion WHERE agenda_item_id = ANY($1::uuid[]) GROUP BY agenda_item_id`,
      [ids.filter(isUuid)],
    );
    const byItem = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byItem.get(id) ?? { support: 0, oppose: 0, neutral: 0 });
  }).load(itemId);
}

/** The reader's own opinion on each item, one statement for every item of the request. */
export function myOpinion(ctx: Ctx, itemId: string): Promise<Opinion | null> {
  const me = readerId(ctx);
  if (!me || !isUuid(me)) return Promise.resolve(null);
  return loader<string, Opinion | null>(ctx, 'agendaMyOpinion', async (ids) => {
    const raw = await ctx.db.query(`SELECT * FROM agenda_opinion WHERE author_id = $1 AND agenda_item_id = ANY($2::uuid[])`, [me, ids.filter(isUuid)]);
    const byItem = new Map(hydrate(ctx, Opinion, raw).map((o) => [o.agendaItemId, o]));
    return ids.map((id) => byItem.get(id) ?? null);
  }).load(itemId);
}

/** The author's display name in the page's own statement: null for an anonymous opinion. */
const AUTHOR_NAME_SQL = (alias: string) => `(SELECT u.display_name FROM app_user u WHERE u.id = ${alias}.author_id AND NOT ${alias}.anonymous)`;
const AUTHOR_NAME: Prefetch = {
  values: (alias) => [AUTHOR_NAME_SQL(alias)],
  attach: (entity, values, offset) => {
    (entity as Opinion).authorNameFetched = (values[offset] as string | null) ?? null;
  },
};

/** Opinions oldest first. */
const OPINION_ORDER: SortKey<Opinion>[] = [
  { sql: 'o.created_at', dir: 'ASC', kind: 'instant', value: (r) => r.createdAt.toISOString() },
  { sql: 'o.id', dir: 'ASC', kind: 'uuid', value: (r) => r.id },
];

/**
 * The first `first` opinions of each item of the request, with their authors' names, in ONE
 * statement (a lateral join per item), so a page of items with their opinions stays bounded.
 */
function firstOpinions(ctx: Ctx, itemId: string, first: number): Promise<{ rows: Opinion[]; more: boolean }> {
  return loader<string, { rows: Opinion[]; more: boolean }>(ctx, `agendaFirstOpinions:${first}`, async (ids) => {
    const raw: Record<string, unknown>[] = await ctx.db.query(
      `SELECT i.item AS "__item", o.*, ${AUTHOR_NAME_SQL('o')} AS "__author"
         FROM unnest($1::uuid[]) AS i(item)
         CROSS JOIN LATERAL (SELECT * FROM agenda_opinion WHERE agenda_item_id = i.item ORDER BY created_at, id LIMIT $2) o`,
      [ids.filter(isUuid), first + 1],
    );
    const opinions = hydrate(ctx, Opinion, raw);
    opinions.forEach((o, i) => (o.authorNameFetched = (raw[i].__author as string | null) ?? null));
    return ids.map((id) => {
      const rows = opinions.filter((o) => o.agendaItemId === id);
      return { rows: rows.slice(0, first), more: rows.length > first };
    });
  }).load(itemId);
}

/**
 * An item's opinions, oldest first, the authors' names with them. A first page is batched across
 * the request's items (firstOpinions); a later one (`after`) is one statement of its own.
 */
export async function opinionsOf(ctx: Ctx, itemId: string, page: PageArgs): Promise<Page<Opinion>> {
  if (page.after) {
    const qb = ctx.db.getRepository(Opinion).createQueryBuilder('o').where('o.agenda_item_id = :itemId', { itemId });
    return paginate(qb, OPINION_ORDER, page, AUTHOR_NAME);
  }
  const first = page.first ?? 20;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) throw BadUserInputError.field('first', msg('field.betweenZeroAnd', { max: MAX_PAGE_SIZE }));
  const { rows, more } = first === 0 ? { rows: [], more: false } : await firstOpinions(ctx, itemId, first);
  const edges = rows.map((node) => ({
    node,
    get cursor() {
      return encodeCursor(OPINION_ORDER.map((k) => k.value(node)));
    },
  }));
  return {
    edges,
    pageInfo: { hasNextPage: more, endCursor: edges.length ? edges[edges.length - 1].cursor : null },
    // Every opinion counts once in its stance.
    get totalCount() {
      return opinionCounts(ctx, itemId).then((c) => c.support + c.oppose + c.neutral);
    },
  };
}

/** The demand items each decision created, oldest first; one statement for every item of the request. */
export function linkedDemands(ctx: Ctx, itemId: string): Promise<DemandItem[]> {
  return loader<string, DemandItem[]>(ctx, 'agendaLinkedDemands', async (ids) => {
    const raw: Record<string, unknown>[] = await ctx.db.query(
      `SELECT l.agenda_item_id AS "__item", d.* FROM agenda_item_demand l JOIN demand_item d ON d.community_id = l.community_id AND d.id = l.demand_id
        WHERE l.agenda_item_id = ANY($1::uuid[]) ORDER BY d.created_at, d.id`,
      [ids.filter(isUuid)],
    );
    const demands = hydrate(ctx, DemandItem, raw);
    return ids.map((id) => demands.filter((_, i) => raw[i].__item === id));
  }).load(itemId);
}

/**
 * The projects each decision created, oldest first, as the reader may see them (a proposal not
 * yet approved: its lead, the secretaries, admins; projectVisibility); one statement for every
 * item of the request, the reader's roles loaded once.
 */
export function linkedProjects(ctx: Ctx, itemId: string): Promise<Project[]> {
  return loader<string, Project[]>(ctx, 'agendaLinkedProjects', async (ids) => {
    const raw: Record<string, unknown>[] = await ctx.db.query(
      `SELECT l.agenda_item_id AS "__item", p.* FROM agenda_item_project l JOIN project p ON p.community_id = l.community_id AND p.id = l.project_id
        WHERE l.agenda_item_id = ANY($1::uuid[]) ORDER BY p.created_at, p.id`,
      [ids.filter(isUuid)],
    );
    const projects = hydrate(ctx, Project, raw);
    const seen = await Promise.all(projects.map(async (p) => (await projectVisibility(ctx, p)).row));
    return ids.map((id) => projects.filter((_, i) => raw[i].__item === id && seen[i]));
  }).load(itemId);
}
