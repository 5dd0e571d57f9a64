import type { EntityManager } from 'typeorm';
import { readerId, viewerRoles } from '../auth/policy';
import { findOr404, findOrNull } from '../common/find';
import { isUuid } from '../common/ids';
import { groupedBy, hydrate } from '../common/loaders';
import { createdOrder, paginate, type PageArgs, type SortKey } from '../common/pagination';
import type { Ctx } from '../context';
import { inTransaction } from '../db/transaction';
import { DemandItem, DemandStatus } from '../demand/demand-item.entity';
import { Match, MatchStatus } from '../demand/match.entity';
import { In } from 'typeorm';
import { now } from '../common/clock';
import { checkText } from '../common/validation';
import { checkNeededBy, createDemandItem } from '../demand/demand.service';
import { BadUserInputError, InvalidStateError, NotFoundError } from '../errors';
import { msg } from '../i18n/messages';
import type { ResidentRequestFilter, SubmitRequestInput, TriageRequestInput } from './residents.inputs';
import { requestLifecycle } from './residents.lifecycle';
import { PUBLIC_REQUEST_STATUSES, requestVisibility } from './residents.visibility';
import { RequestKind, RequestStatus, ResidentRequest, TriageDecision } from './resident-request.entity';

/**
 * Residents' requests (issue #14): a resident raises one, the community's secretary triages it onto
 * the demand list (a new item, or merged into an open one) or declines it with a reason. Callers
 * are checked by residents.policy.ts first; the status moves only through `requestLifecycle`.
 */

export const findRequest = (ctx: Ctx, id: string, path = 'id') => findOr404(ctx, ResidentRequest, id, { thing: 'request', path });

const trimmed = (value: string | null | undefined) => value?.trim() || null;

/** A resident of the community (residents.policy.ts `mayRequest`) raises a request: SUBMITTED. */
export async function submit(ctx: Ctx, input: SubmitRequestInput, by: string): Promise<ResidentRequest> {
  return inTransaction(ctx.db, async (tx) => {
    const request = await tx.save(
      tx.create(ResidentRequest, {
        communityId: input.communityId,
        requesterId: by,
        kind: input.kind,
        title: input.title.trim(),
        description: trimmed(input.description),
        building: trimmed(input.building),
        anonymousOnBoard: input.anonymousOnBoard ?? true,
        status: RequestStatus.SUBMITTED,
        demandId: null,
        declineReason: null,
      }),
    );
    await requestLifecycle.created(tx, request, { by, communityId: request.communityId });
    return request;
  });
}

/** The open item a request merges into, locked (demand items before requests: the cascades' lock order). */
async function lockOpenDemand(tx: EntityManager, ctx: Ctx, id: string, communityId: string): Promise<DemandItem> {
  const raw = isUuid(id) ? await tx.query(`SELECT * FROM demand_item WHERE id = $1 FOR UPDATE`, [id]) : [];
  const demand = hydrate(ctx, DemandItem, raw)[0];
  if (!demand) throw new NotFoundError('demandItem', id, 'input.mergeIntoDemandId');
  if (demand.communityId !== communityId) throw BadUserInputError.field('input.mergeIntoDemandId', msg('request.sameCommunity'));
  if (demand.status !== DemandStatus.OPEN && demand.status !== DemandStatus.MATCHED) {
    throw new InvalidStateError(msg('request.demandNotOpen', { status: { msg: 'status', values: { status: demand.status } } }));
  }
  return demand;
}

/** The request as the transaction sees it, still SUBMITTED (apply's conditional update then refuses a race). */
async function submittedRequest(tx: EntityManager, id: string): Promise<ResidentRequest> {
  const request = (await tx.findOneBy(ResidentRequest, { id }))!;
  if (request.status !== RequestStatus.SUBMITTED) throw new InvalidStateError(msg('request.alreadyTriaged', { status: { msg: 'status', values: { status: request.status } } }));
  return request;
}

/** What each decision needs, checked before anything is written. */
async function checkTriage(ctx: Ctx, request: ResidentRequest, input: TriageRequestInput): Promise<void> {
  switch (input.decision) {
    case TriageDecision.DECLINE:
      if (!input.reason?.trim()) throw BadUserInputError.field('input.reason', msg('request.reasonRequired'));
      return;
    case TriageDecision.TO_DEMAND_LIST:
      if (!input.demand) throw BadUserInputError.field('input.demand', msg('request.demandRequired'));
      if (input.demand.communityId !== request.communityId) throw BadUserInputError.field('input.demand.communityId', msg('request.sameCommunity'));
      await checkNeededBy(ctx, request.communityId, input.demand.neededBy, 'input.demand.neededBy');
      return;
    case TriageDecision.MERGE:
      if (!input.mergeIntoDemandId) throw BadUserInputError.field('input.mergeIntoDemandId', msg('request.mergeRequired'));
  }
}

/** The secretary's triage of a SUBMITTED request, in one transaction with the item it puts on the list. */
export async function triage(ctx: Ctx, input: TriageRequestInput, by: string): Promise<ResidentRequest> {
  const found = await findRequest(ctx, input.requestId, 'input.requestId');
  // Triage is the first step only (the lifecycle also lets an accepted request be declined by its cancelled item).
  if (found.status !== RequestStatus.SUBMITTED) throw new InvalidStateError(msg('request.alreadyTriaged', { status: { msg: 'status', values: { status: found.status } } }));
  await checkTriage(ctx, found, input);
  return inTransaction(ctx.db, async (tx) => {
    const meta = { by, communityId: found.communityId };
    if (input.decision === TriageDecision.DECLINE) {
      const reason = input.reason!.trim();
      const request = await submittedRequest(tx, found.id);
      return requestLifecycle.apply(tx, request, RequestStatus.DECLINED, { ...meta, note: reason }, { declineReason: reason });
    }
    const demand =
      input.decision === TriageDecision.MERGE
        ? await lockOpenDemand(tx, ctx, input.mergeIntoDemandId!, found.communityId)
        : await createDemandItem(tx, input.demand!, by);
    const request = await submittedRequest(tx, found.id);
    const noteMessage = input.decision === TriageDecision.MERGE ? msg('request.merged', { title: demand.title }) : null;
    return requestLifecycle.apply(tx, request, RequestStatus.ACCEPTED, { ...meta, noteMessage }, { demandId: demand.id });
  });
}

/** One request as the viewer may see it (null when they may not, as for an unknown id). */
export async function requestFor(ctx: Ctx, id: string): Promise<ResidentRequest | null> {
  const request = await findOrNull(ctx, ResidentRequest, id);
  if (!request) return null;
  return (await requestVisibility(ctx, request)).row ? request : null;
}

/**
 * How many days older than it is a request of each kind counts in the triage queue: something
 * broken or unsafe first, then complaints, wishes, suggestions. So a repair raised today comes before
 * a suggestion raised two days ago, and a suggestion left waiting long enough reaches the top.
 */
export const TRIAGE_HEAD_START_DAYS: Record<RequestKind, number> = {
  [RequestKind.REPAIR]: 3,
  [RequestKind.COMPLAINT]: 2,
  [RequestKind.WISH]: 1,
  [RequestKind.SUGGESTION]: 0,
};
const DAY_MS = 86_400_000;
const headStartSql = `(CASE r.kind ${Object.entries(TRIAGE_HEAD_START_DAYS).map(([kind, days]) => `WHEN '${kind}' THEN ${days}`).join(' ')} ELSE 0 END)`;

/**
 * The triage queue's order (a list of SUBMITTED requests only): most urgent first, urgency being the
 * kind's head start plus the age. As "the instant it counts from" (created minus the head start,
 * in 24-hour days) it does not change with time, so keyset pages stay stable.
 */
const TRIAGE_ORDER: SortKey<ResidentRequest>[] = [
  {
    sql: `r.created_at - ${headStartSql} * interval '24 hours'`,
    dir: 'ASC',
    kind: 'instant',
    value: (r) => new Date(r.createdAt.getTime() - TRIAGE_HEAD_START_DAYS[r.kind] * DAY_MS).toISOString(),
  },
  { sql: 'r.id', dir: 'ASC', kind: 'uuid', value: (r) => r.id },
];

const isTriageQueue = (filter: ResidentRequestFilter | null | undefined) =>
  !!filter?.status?.length && filter.status.every((s) => s === RequestStatus.SUBMITTED);

/** Requests, oldest first (SUBMITTED only: most urgent first, TRIAGE_ORDER), filtered in SQL by the same rule as requestVisibility, so pages and totalCount agree with it. */
export async function listRequests(ctx: Ctx, filter: ResidentRequestFilter | null | undefined, page: PageArgs) {
  const qb = ctx.db.getRepository(ResidentRequest).createQueryBuilder('r');
  if (filter?.communityId) qb.andWhere('r.community_id = :communityId', { communityId: isUuid(filter.communityId) ? filter.communityId : null });
  if (filter?.status?.length) qb.andWhere('r.status IN (:...statuses)', { statuses: filter.status });
  if (filter?.kind) qb.andWhere('r.kind = :kind', { kind: filter.kind });
  const me = readerId(ctx);
  if (filter?.mine) qb.andWhere('r.requester_id = :mine', { mine: me });
  const roles = me ? await viewerRoles(ctx) : null;
  if (!roles?.isAdmin) {
    qb.andWhere('(r.status IN (:...publicStatuses) OR r.requester_id = :me OR r.community_id = ANY(CAST(:secretaryOf AS uuid[])))', {
      publicStatuses: PUBLIC_REQUEST_STATUSES,
      me,
      secretaryOf: [...(roles?.secretaryOf ?? [])],
    });
  }
  return paginate(qb, isTriageQueue(filter) ? TRIAGE_ORDER : createdOrder('r'), page);
}

/**
 * Who did the work a report of it speaks for: the partners and individual volunteers whose match on
 * the request's item was approved (or fulfilled). The viewer's own partner or self when they are one
 * of them, else the first of each (null: none took it on).
 */
export async function workers(ctx: Ctx, request: ResidentRequest): Promise<{ partnerId: string | null; volunteerId: string | null }> {
  if (!request.demandId) return { partnerId: null, volunteerId: null };
  const matches = await ctx.db.getRepository(Match).find({ where: { demandId: request.demandId, status: In([MatchStatus.APPROVED, MatchStatus.FULFILLED]) }, order: { id: 'ASC' } });
  const partners = matches.map((m) => m.partnerId).filter((p): p is string => !!p);
  const volunteers = matches.map((m) => m.volunteerId).filter((v): v is string => !!v);
  const me = readerId(ctx);
  const mine = me ? (await viewerRoles(ctx)).partnerRoles : new Map();
  return {
    partnerId: partners.find((p) => mine.has(p)) ?? partners[0] ?? null,
    volunteerId: volunteers.find((v) => v === me) ?? volunteers[0] ?? null,
  };
}

/** Moves one request in its own transaction (its status read again there; apply refuses a race). */
function move(ctx: Ctx, id: string, to: RequestStatus, meta: { by: string; note?: string | null }, changes: Partial<ResidentRequest> = {}): Promise<ResidentRequest> {
  return inTransaction(ctx.db, async (tx) => {
    const request = (await tx.findOneBy(ResidentRequest, { id }))!;
    return requestLifecycle.apply(tx, request, to, { ...meta, communityId: request.communityId }, changes);
  });
}

/** The volunteer, the partner or the secretary reports the work done: AWAITING_INSPECTION. */
export function reportDone(ctx: Ctx, id: string, note: string | null | undefined, by: string): Promise<ResidentRequest> {
  checkText('note', note);
  return move(ctx, id, RequestStatus.AWAITING_INSPECTION, { by, note: note?.trim() || null });
}

/** The secretary's inspection (验收): RESOLVED, or back to IN_PROGRESS with the note (required then). */
export function inspect(ctx: Ctx, id: string, accept: boolean, note: string | null | undefined, by: string): Promise<ResidentRequest> {
  checkText('note', note, { required: !accept });
  const meta = { by, note: note?.trim() || null };
  return accept ? move(ctx, id, RequestStatus.RESOLVED, meta, { resolvedAt: now() }) : move(ctx, id, RequestStatus.IN_PROGRESS, meta);
}

/** The requester rates a RESOLVED request once (1-5). A rating is not a step: the status stays. */
export async function rate(ctx: Ctx, id: string, score: number, comment: string | null | undefined): Promise<ResidentRequest> {
  if (!Number.isInteger(score) || score < 1 || score > 5) throw BadUserInputError.field('score', msg('request.score'));
  checkText('comment', comment);
  const raw: Record<string, unknown>[] = await inTransaction(ctx.db, (tx) =>
    tx.query(
      `WITH rated AS (UPDATE resident_request SET rating_score = $2, rating_comment = $3, rated_at = $4, updated_at = $4
                      WHERE id = $1 AND status = 'RESOLVED' AND rating_score IS NULL RETURNING *)
       SELECT * FROM rated`,
      [id, score, comment?.trim() || null, now()],
    ),
  );
  if (!raw.length) {
    const request = await findRequest(ctx, id);
    throw new InvalidStateError(request.status === RequestStatus.RESOLVED ? msg('request.ratedOnce') : msg('request.rateResolved', { status: { msg: 'status', values: { status: request.status } } }));
  }
  return hydrate(ctx, ResidentRequest, raw)[0];
}

/** The requests on a demand item, oldest first, batched across the request's items. */
export function requestsOnItem(ctx: Ctx, demandId: string): Promise<ResidentRequest[]> {
  return groupedBy(ctx, ResidentRequest, 'demandId', { createdAt: 'ASC', id: 'ASC' }).load(demandId);
}

/** What the public board shows of a community's requests: those on the demand list, newest first. */
export function publicRequestsOf(ctx: Ctx, communityId: string, first: number): Promise<ResidentRequest[]> {
  return ctx.db
    .getRepository(ResidentRequest)
    .createQueryBuilder('r')
    .where('r.community_id = :communityId AND r.status IN (:...statuses)', { communityId, statuses: PUBLIC_REQUEST_STATUSES })
    .orderBy('r.created_at', 'DESC')
    .addOrderBy('r.id', 'DESC')
    .limit(first)
    .getMany();
}
