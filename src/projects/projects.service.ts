import type { EntityManager } from 'typeorm';
import { readerId, viewerRoles, type ViewerRoles } from '../auth/policy';
import { now } from '../common/clock';
import { findOr404, findOrNull } from '../common/find';
import { isUuid } from '../common/ids';
import { groupedBy, hydrate, linked } from '../common/loaders';
import { createdOrder, paginate, type PageArgs } from '../common/pagination';
import { ReviewDecision } from '../common/review';
import { checkText } from '../common/validation';
import type { Ctx } from '../context';
import { inTransaction } from '../db/transaction';
import { DemandItem, DemandStatus } from '../demand/demand-item.entity';
import { BadUserInputError, InvalidStateError, NotFoundError } from '../errors';
import { msg } from '../i18n/messages';
import { assertActivePartnership } from '../partners/partners.service';
import { Project, ProjectDemand, ProjectStatus, ProjectUpdate } from './project.entity';
import type { ProposeProjectInput } from './projects.inputs';
import { PROJECT_REVIEWED, projectLifecycle } from './projects.lifecycle';
import { projectVisibility } from './projects.visibility';

/**
 * Community projects (issue #15): proposed by their lead, reviewed by the community's secretary,
 * progress posted by the lead or the secretary, completed with a summary or cancelled with a
 * reason. Callers are checked by projects.policy.ts first; the status moves only through
 * `projectLifecycle`.
 */

const { PROPOSED, APPROVED, IN_PROGRESS, COMPLETED, CANCELLED } = ProjectStatus;

export const findProject = (ctx: Ctx, id: string, path = 'id') => findOr404(ctx, Project, id, { thing: 'project', path });

const trimmed = (value: string | null | undefined) => value?.trim() || null;

/** The demand items a project answers: each of the project's community and not cancelled. */
async function checkDemands(ctx: Ctx, communityId: string, ids: string[]): Promise<void> {
  const items = await ctx.db.getRepository(DemandItem).createQueryBuilder('d').where('d.id IN (:...ids)', { ids }).getMany();
  for (const id of ids) {
    const item = items.find((d) => d.id === id);
    if (!item) throw new NotFoundError('demandItem', id, 'input.demandIds');
    if (item.communityId !== communityId) throw BadUserInputError.field('input.demandIds', msg('project.demandOtherCommunity'));
    if (item.status === DemandStatus.CANCELLED) throw BadUserInputError.field('input.demandIds', msg('project.demandCancelled', { title: item.title }));
  }
}

/** Checks what no decorator can: the dates' order and the linked items. Nothing is written before. */
async function checkProposal(ctx: Ctx, input: ProposeProjectInput): Promise<string[]> {
  if (input.startDate && input.endDate && input.endDate < input.startDate) throw BadUserInputError.field('input.endDate', msg('project.endBeforeStart'));
  const demandIds = [...new Set(input.demandIds ?? [])];
  if (demandIds.length) await checkDemands(ctx, input.communityId, demandIds);
  return demandIds;
}

/**
 * Proposes a project: led by `input.leadPartnerId` (the policy checked the caller belongs to it;
 * here, that it is ACTIVE in the community) or by the caller. PROPOSED, with its demand items.
 */
export async function propose(ctx: Ctx, input: ProposeProjectInput, by: string): Promise<Project> {
  const demandIds = await checkProposal(ctx, input);
  return inTransaction(ctx.db, async (tx) => {
    if (input.leadPartnerId) await assertActivePartnership(tx, input.leadPartnerId, input.communityId);
    const project = await tx.save(
      tx.create(Project, {
        communityId: input.communityId,
        title: input.title.trim(),
        description: trimmed(input.description),
        status: PROPOSED,
        leadPartnerId: input.leadPartnerId ?? null,
        leadUserId: input.leadPartnerId ? null : by,
        proposedBy: by,
        startDate: input.startDate ?? null,
        endDate: input.endDate ?? null,
        progressPercent: 0,
        approvedAt: null,
        summary: null,
        cancelReason: null,
        completedAt: null,
      }),
    );
    if (demandIds.length) await tx.insert(ProjectDemand, demandIds.map((demandId) => ({ projectId: project.id, demandId, communityId: project.communityId })));
    await projectLifecycle.created(tx, project, { by, communityId: project.communityId });
    return project;
  });
}

/** The project locked for this transaction (its status as of now: steps and updates queue behind each other). */
async function locked(tx: EntityManager, ctx: Ctx, id: string): Promise<Project> {
  const raw: Record<string, unknown>[] = await tx.query(`SELECT * FROM project WHERE id = $1 FOR UPDATE`, [id]);
  return hydrate(ctx, Project, raw)[0];
}

/** The secretary's review of a PROPOSED project: APPROVED (public from now on), or CANCELLED with the reason (the note, required then). */
export async function review(ctx: Ctx, id: string, decision: ReviewDecision, note: string | null | undefined, by: string): Promise<Project> {
  checkText('note', note, { required: decision === ReviewDecision.REJECT });
  return inTransaction(ctx.db, async (tx) => {
    const project = await locked(tx, ctx, id);
    if (project.status !== PROPOSED) throw new InvalidStateError(msg('project.notProposed', { status: { msg: 'status', values: { status: project.status } } }));
    const meta = { by, communityId: project.communityId, note: trimmed(note), cause: PROJECT_REVIEWED };
    return decision === ReviewDecision.APPROVE
      ? projectLifecycle.apply(tx, project, APPROVED, meta, { approvedAt: now() })
      : projectLifecycle.apply(tx, project, CANCELLED, meta, { cancelReason: note!.trim() });
  });
}

/** Who writes an update as whom: a member of the lead partner writes as the partner. */
const asPartner = (project: Project, roles: ViewerRoles) => (project.leadPartnerId && roles.partnerRoles.has(project.leadPartnerId) ? project.leadPartnerId : null);

/**
 * The partner's voice, checked in the writing transaction: a partner acts in a community only while
 * its partnership there is ACTIVE (an ended one leaves its projects to the secretary, who may
 * complete or cancel them). Its members who are also the community's secretaries or admins still write.
 */
async function partnerVoice(tx: EntityManager, project: Project, roles: ViewerRoles): Promise<string | null> {
  const partnerId = asPartner(project, roles);
  if (partnerId && !roles.isAdmin && !roles.secretaryOf.has(project.communityId)) await assertActivePartnership(tx, partnerId, project.communityId);
  return partnerId;
}

function checkPercent(percent: number): void {
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw BadUserInputError.field('progressPercent', msg('project.percent'));
}

/** Statuses in which work goes on: progress is posted, the project completed. */
const ACTIVE: readonly ProjectStatus[] = [APPROVED, IN_PROGRESS];

/**
 * A progress update by the lead or the secretary, on an APPROVED or IN_PROGRESS project; the first
 * one starts the work (IN_PROGRESS). The text is always required: it is the note, and an update
 * that lowers the percent (work found faulty, a step undone) says why there, kept with the
 * percent it went down from (`previousPercent`).
 */
export async function postUpdate(ctx: Ctx, projectId: string, text: string, percent: number, by: string): Promise<Project> {
  checkText('text', text, { required: true });
  checkPercent(percent);
  const roles = await viewerRoles(ctx);
  return inTransaction(ctx.db, async (tx) => {
    const project = await locked(tx, ctx, projectId);
    if (!ACTIVE.includes(project.status)) throw new InvalidStateError(msg('project.notActive', { status: { msg: 'status', values: { status: project.status } } }));
    await tx.insert(ProjectUpdate, {
      communityId: project.communityId,
      projectId: project.id,
      authorId: by,
      asPartnerId: await partnerVoice(tx, project, roles),
      text: text.trim(),
      progressPercent: percent,
      previousPercent: project.progressPercent,
    });
    if (project.status === APPROVED) {
      return projectLifecycle.apply(tx, project, IN_PROGRESS, { by, communityId: project.communityId, note: text.trim() }, { progressPercent: percent });
    }
    await tx.update(Project, { id: project.id }, { progressPercent: percent });
    return Object.assign(project, { progressPercent: percent });
  });
}

/** Completion with a summary: 100 %, the summary also posted as the last update (what every reader of the progress sees). */
export async function complete(ctx: Ctx, id: string, summary: string, by: string): Promise<Project> {
  checkText('summary', summary, { required: true });
  const roles = await viewerRoles(ctx);
  return inTransaction(ctx.db, async (tx) => {
    const project = await locked(tx, ctx, id);
    projectLifecycle.assertTransition(project.status, COMPLETED);
    await tx.insert(ProjectUpdate, {
      communityId: project.communityId,
      projectId: project.id,
      authorId: by,
      asPartnerId: await partnerVoice(tx, project, roles),
      text: summary.trim(),
      progressPercent: 100,
      previousPercent: project.progressPercent,
    });
    return projectLifecycle.apply(tx, project, COMPLETED, { by, communityId: project.communityId, note: summary.trim() }, { progressPercent: 100, summary: summary.trim(), completedAt: now() });
  });
}

/** Cancellation with a reason, by the lead (withdrawing it, also before review) or the secretary. */
export async function cancel(ctx: Ctx, id: string, reason: string, by: string): Promise<Project> {
  checkText('reason', reason, { required: true });
  return inTransaction(ctx.db, async (tx) => {
    const project = await locked(tx, ctx, id);
    return projectLifecycle.apply(tx, project, CANCELLED, { by, communityId: project.communityId, note: reason.trim() }, { cancelReason: reason.trim() });
  });
}

/** One project as the viewer may see it (null when they may not, as for an unknown id). */
export async function projectFor(ctx: Ctx, id: string): Promise<Project | null> {
  const project = await findOrNull(ctx, Project, id);
  if (!project) return null;
  return (await projectVisibility(ctx, project)).row ? project : null;
}

/** A community's projects, oldest first, filtered in SQL by the same rule as projectVisibility (pages and totalCount agree with it). */
export async function listProjects(ctx: Ctx, communityId: string, statuses: ProjectStatus[] | null | undefined, page: PageArgs) {
  const qb = ctx.db.getRepository(Project).createQueryBuilder('p').where('p.community_id = :communityId', { communityId: isUuid(communityId) ? communityId : null });
  if (statuses?.length) qb.andWhere('p.status IN (:...statuses)', { statuses });
  const me = readerId(ctx);
  const roles = me ? await viewerRoles(ctx) : null;
  if (!roles?.isAdmin && !roles?.secretaryOf.has(communityId)) {
    qb.andWhere('(p.approved_at IS NOT NULL OR p.lead_user_id = :me OR p.lead_partner_id = ANY(CAST(:partners AS uuid[])))', { me, partners: [...(roles?.partnerRoles.keys() ?? [])] });
  }
  return paginate(qb, createdOrder('p'), page);
}

/** How long a completed project stays on the public board. */
export const BOARD_COMPLETED_DAYS = 90;
const BOARD_MAX = 50;

/**
 * What the public board shows (项目清单 公示): approved and in-progress projects, newest approved
 * first, then those completed in the last BOARD_COMPLETED_DAYS days, most recently completed
 * first. One statement; at most BOARD_MAX.
 */
export async function publicProjectsOf(ctx: Ctx, communityId: string): Promise<Project[]> {
  const raw: Record<string, unknown>[] = await ctx.db.query(
    `SELECT * FROM project
      WHERE community_id = $1 AND (status = ANY($2::text[]) OR (status = $3 AND completed_at > $4))
      ORDER BY (status = $3), COALESCE(completed_at, approved_at) DESC, id DESC
      LIMIT $5`,
    [communityId, ACTIVE, COMPLETED, new Date(now().getTime() - BOARD_COMPLETED_DAYS * 86_400_000), BOARD_MAX],
  );
  return hydrate(ctx, Project, raw);
}

/** A project's updates, oldest first, batched across the request. */
export function updatesOf(ctx: Ctx, projectId: string): Promise<ProjectUpdate[]> {
  return groupedBy(ctx, ProjectUpdate, 'projectId', { createdAt: 'ASC', id: 'ASC' }).load(projectId);
}

/** A project's demand items, batched across the request (two statements in all). */
export function demandsOf(ctx: Ctx, projectId: string): Promise<DemandItem[]> {
  return linked(ctx, 'projectDemands', ProjectDemand, 'projectId', 'demandId', DemandItem).load(projectId);
}
