import request from 'supertest';
import { count, errorCode, startTestApp, type GqlResult, type TestApp } from './support/app';
import { postDemand } from './support/demand-fixtures';
import { activePartner, communityWithSecretary, joinPartner, registerPartner, signUp, unique, type Account } from './support/fixtures';

/*
 * Community projects (issue #15 item 2, 项目清单) through the API: a partner's member or a resident
 * proposes one, the community's secretary reviews it, its lead or the secretary posts progress,
 * completes or cancels it; who may do each step, who is told, and what the public reads.
 */

let app: TestApp;
let adminToken = '';
beforeAll(async () => {
  app = await startTestApp();
  adminToken = await app.adminToken();
});
afterAll(() => app.close());

const FIELDS = `id status title description progressPercent leadPartner { id name } leadPersonName startDate endDate summary cancelReason createdAt
  community { id } demands { id } updates { text progressPercent previousPercent authorName createdAt } history { from to note by { id } }`;
const PROPOSE = `mutation($i: ProposeProjectInput!) { proposeProject(input: $i) { ${FIELDS} } }`;
const REVIEW = `mutation($id: ID!, $d: ReviewDecision!, $n: String) { reviewProject(id: $id, decision: $d, note: $n) { ${FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $t: String!, $p: Int!) { postProjectUpdate(projectId: $id, text: $t, progressPercent: $p) { ${FIELDS} } }`;
const COMPLETE = `mutation($id: ID!, $s: String!) { completeProject(id: $id, summary: $s) { ${FIELDS} } }`;
const CANCEL = `mutation($id: ID!, $r: String!) { cancelProject(id: $id, reason: $r) { ${FIELDS} } }`;
const PROJECT = `query($id: ID!) { project(id: $id) { ${FIELDS} } }`;
const LIST = `query($c: ID!, $s: [ProjectStatus!]) { projects(communityId: $c, status: $s) { totalCount edges { node { id status } } } }`;
const BOARD = `query($c: ID!) { publicBoard(communityId: $c) { projects { id status title progressPercent leadPartner { name } leadPersonName demands { id } updates { text progressPercent authorName } } } }`;
const JOIN = `mutation($c: ID!) { joinCommunity(communityId: $c) { verified } }`;
const INBOX = `{ notifications(first: 20) { edges { node { kind message } } } }`;

/** Every row the project tables and their history hold, for "a refusal changed nothing". */
const projectRows = async () => ({
  projects: await app.db.query(`SELECT * FROM project ORDER BY id`),
  updates: await app.db.query(`SELECT * FROM project_update ORDER BY id`),
  demands: await app.db.query(`SELECT * FROM project_demand ORDER BY project_id, demand_id`),
  history: await count(app.db, 'status_change', `object_type = 'PROJECT'`),
  inbox: await count(app.db, 'notification', `kind LIKE 'PROJECT_%'`),
});

interface Scene {
  communityId: string;
  secretary: Account;
  partnerId: string;
  partnershipId: string;
  partnerName: string;
  owner: Account;
  member: Account;
  resident: Account;
  stranger: Account;
  otherSecretary: Account;
  otherPartnerOwner: Account;
}

/** A community (Asia/Shanghai) with its secretary, an ACTIVE partner (owner + member), a resident, a stranger, another community's secretary and another partner's owner. */
async function scene(): Promise<Scene> {
  const { communityId, secretary } = await communityWithSecretary(app, { timezone: 'Asia/Shanghai' });
  const { owner, partnerId, partnershipId } = await activePartner(app, communityId, secretary);
  const member = await signUp(app, unique('member'));
  await joinPartner(app, owner.token, partnerId, member);
  const resident = await signUp(app, unique('resident'));
  await app.gqlOk(JOIN, { c: communityId }, resident.token);
  const stranger = await signUp(app, unique('stranger'));
  const { secretary: otherSecretary } = await communityWithSecretary(app);
  const otherPartnerOwner = await signUp(app, unique('other'));
  await registerPartner(app, otherPartnerOwner);
  const partnerName = (await app.gqlOk(`query($p: ID!) { partner(id: $p) { name } }`, { p: partnerId })).partner.name as string;
  return { communityId, secretary, partnerId, partnershipId, partnerName, owner, member, resident, stranger, otherSecretary, otherPartnerOwner };
}

const proposal = (s: Scene, extra: Record<string, unknown> = {}) => ({ communityId: s.communityId, title: '3号楼楼道微改造', description: '楼道扶手、照明和墙面翻新。', ...extra });

async function proposedByPartner(s: Scene, extra: Record<string, unknown> = {}) {
  return (await app.gqlOk(PROPOSE, { i: proposal(s, { leadPartnerId: s.partnerId, ...extra }) }, s.member.token)).proposeProject;
}

async function approved(s: Scene, extra: Record<string, unknown> = {}) {
  const project = await proposedByPartner(s, extra);
  await app.gqlOk(REVIEW, { id: project.id, d: 'APPROVE', n: '同意实施' }, s.secretary.token);
  return project;
}

const codes = (results: GqlResult[]) => results.map(errorCode);
type Told = { kind: string; message: string };
/** What the inbox says of projects (a partner's owner also heard of its partnership). */
const ofProjects = (edges: { node: Told }[]) => edges.map((e) => e.node).filter((n) => n.kind.startsWith('PROJECT_'));
const inbox = async (token: string) => ofProjects((await app.gqlOk(INBOX, {}, token)).notifications.edges);

describe('proposing a project', () => {
  it('lets a member of an ACTIVE partner propose one led by the partner, with demand items of the community, dates in the community zone', async () => {
    const s = await scene();
    const demand = await postDemand(app, s.secretary.token, s.communityId);
    const project = await proposedByPartner(s, { startDate: '2026-12-10', endDate: '2027-01-31', demandIds: [demand, demand] });
    expect(project).toMatchObject({
      status: 'PROPOSED',
      title: '3号楼楼道微改造',
      progressPercent: 0,
      leadPartner: { id: s.partnerId },
      leadPersonName: null,
      startDate: '2026-12-10',
      endDate: '2027-01-31',
      demands: [{ id: demand }],
      updates: [],
      history: [{ from: null, to: 'PROPOSED', note: null, by: { id: s.member.id } }],
      createdAt: expect.stringMatching(/\+08:00$/),
    });
    // The secretaries are told it waits for their review.
    expect(await inbox(s.secretary.token)).toEqual([{ kind: 'PROJECT_PROPOSED', message: `New project proposed: "3号楼楼道微改造"; it waits for your review` }]);
  });

  it('lets a resident, the secretary or an admin lead one themself, publishing their display name; refuses anyone else, changing nothing', async () => {
    const s = await scene();
    const before = await projectRows();
    const refused = await app.gql(PROPOSE, { i: proposal(s) }, s.stranger.token);
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect(refused.errors![0].message).toContain('Only residents of this community');
    expect(errorCode(await app.gql(PROPOSE, { i: proposal(s) }, s.otherSecretary.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(PROPOSE, { i: proposal(s) }))).toBe('UNAUTHENTICATED');
    expect(await projectRows()).toEqual(before);

    for (const lead of [s.resident.token, s.secretary.token, adminToken]) {
      const project = (await app.gqlOk(PROPOSE, { i: proposal(s, { title: '楼栋花园认养' }) }, lead)).proposeProject;
      expect(project).toMatchObject({ status: 'PROPOSED', leadPartner: null, leadPersonName: expect.any(String) });
    }
    const own = (await app.gqlOk(PROPOSE, { i: proposal(s) }, s.resident.token)).proposeProject;
    expect(own.leadPersonName).toBe(s.resident.email.split('@')[0]);
  });

  it('refuses leading as a partner one does not belong to, or one not ACTIVE in the community, changing nothing', async () => {
    const s = await scene();
    const before = await projectRows();
    // Not a member: FORBIDDEN, admins included (a partner speaks through its members).
    for (const token of [s.resident.token, s.secretary.token, adminToken, s.otherPartnerOwner.token]) {
      expect(errorCode(await app.gql(PROPOSE, { i: proposal(s, { leadPartnerId: s.partnerId }) }, token))).toBe('FORBIDDEN');
    }
    // A member of a partner with no partnership here.
    const otherPartner = (await app.gqlOk(`{ me { partners { id } } }`, {}, s.otherPartnerOwner.token)).me.partners[0].id;
    const inactive = await app.gql(PROPOSE, { i: proposal(s, { leadPartnerId: otherPartner }) }, s.otherPartnerOwner.token);
    expect(errorCode(inactive)).toBe('FORBIDDEN');
    // An unknown partner: NOT_FOUND naming the field.
    const unknown = await app.gql(PROPOSE, { i: proposal(s, { leadPartnerId: '00000000-0000-4000-8000-000000000000' }) }, s.member.token);
    expect(errorCode(unknown)).toBe('NOT_FOUND');
    expect(unknown.errors![0].extensions.fields).toEqual([{ path: 'input.leadPartnerId', message: expect.any(String) }]);
    expect(await projectRows()).toEqual(before);
  });

  it('names the field of bad input: dates out of order, demand items of another community or cancelled, a blank title, changing nothing', async () => {
    const s = await scene();
    const { communityId: elsewhere, secretary: elsewhereSecretary } = await communityWithSecretary(app);
    const foreign = await postDemand(app, elsewhereSecretary.token, elsewhere);
    const cancelled = await postDemand(app, s.secretary.token, s.communityId, { title: '旧需求' });
    await app.gqlOk(`mutation($id: ID!) { cancelDemand(id: $id, reason: "重复") { status } }`, { id: cancelled }, s.secretary.token);
    const before = await projectRows();
    const cases: [Record<string, unknown>, string][] = [
      [{ startDate: '2027-02-01', endDate: '2027-01-01' }, 'input.endDate'],
      [{ demandIds: [foreign] }, 'input.demandIds'],
      [{ demandIds: [cancelled] }, 'input.demandIds'],
      [{ demandIds: ['00000000-0000-4000-8000-000000000000'] }, 'input.demandIds'],
      [{ title: '   ' }, 'input.title'],
      [{ title: 'x'.repeat(201) }, 'input.title'],
    ];
    for (const [extra, path] of cases) {
      const res = await app.gql(PROPOSE, { i: proposal(s, { leadPartnerId: s.partnerId, ...extra }) }, s.member.token);
      expect({ extra, code: errorCode(res), fields: res.errors?.[0].extensions.fields?.map((f) => f.path) }).toEqual({ extra, code: expect.stringMatching(/^(BAD_USER_INPUT|NOT_FOUND)$/), fields: [path] });
    }
    expect(await projectRows()).toEqual(before);
  });
});

describe('reviewing a project', () => {
  it('lets only the secretary (or an admin) review; approval publishes it and tells the lead partner in their language', async () => {
    const s = await scene();
    const project = await proposedByPartner(s);
    // Before approval: the lead, the secretaries and admins see it; nobody else.
    for (const token of [null, s.stranger.token, s.resident.token, s.otherSecretary.token]) {
      expect((await app.gqlOk(PROJECT, { id: project.id }, token)).project).toBeNull();
      expect((await app.gqlOk(LIST, { c: s.communityId }, token)).projects.totalCount).toBe(0);
    }
    for (const token of [s.member.token, s.owner.token, s.secretary.token, adminToken]) {
      expect((await app.gqlOk(PROJECT, { id: project.id }, token)).project.id).toBe(project.id);
      expect((await app.gqlOk(LIST, { c: s.communityId }, token)).projects.totalCount).toBe(1);
    }

    const before = await projectRows();
    expect(errorCode(await app.gql(REVIEW, { id: project.id, d: 'APPROVE' }))).toBe('UNAUTHENTICATED');
    expect(codes(await Promise.all([s.member, s.owner, s.resident, s.stranger, s.otherSecretary].map((a) => app.gql(REVIEW, { id: project.id, d: 'APPROVE' }, a.token))))).toEqual(Array(5).fill('FORBIDDEN'));
    expect(await projectRows()).toEqual(before);

    await app.gqlOk(`mutation { setMyLocale(locale: "zh-CN") { id } }`, {}, s.owner.token);
    const reviewed = (await app.gqlOk(REVIEW, { id: project.id, d: 'APPROVE', n: '同意实施，注意施工安全' }, s.secretary.token)).reviewProject;
    expect(reviewed).toMatchObject({ status: 'APPROVED', history: [{ to: 'PROPOSED' }, { from: 'PROPOSED', to: 'APPROVED', note: '同意实施，注意施工安全', by: { id: s.secretary.id } }] });
    // A second review is refused: it is no longer PROPOSED.
    expect(errorCode(await app.gql(REVIEW, { id: project.id, d: 'REJECT', n: '改主意了' }, s.secretary.token))).toBe('INVALID_STATE');

    // Public now: anyone reads it, without its history's notes and authors.
    const seen = (await app.gqlOk(PROJECT, { id: project.id }, null)).project;
    expect(seen).toMatchObject({ status: 'APPROVED', leadPartner: { id: s.partnerId } });
    expect(seen.history.every((h: { note: string | null; by: unknown }) => h.note === null && h.by === null)).toBe(true);
    expect((await app.gqlOk(LIST, { c: s.communityId }, s.stranger.token)).projects.totalCount).toBe(1);

    // Every member of the lead partner is told: the owner in the language they saved (no Accept-Language sent).
    const saved = await request(app.server).post('/graphql').set('content-type', 'application/json').set('authorization', `Bearer ${s.owner.token}`).send({ query: INBOX });
    expect(ofProjects(saved.body.data.notifications.edges)).toEqual([
      { kind: 'PROJECT_APPROVED', message: '您牵头的项目“3号楼楼道微改造”已通过审核，已在项目清单中公示：同意实施，注意施工安全' },
    ]);
    expect(await inbox(s.member.token)).toEqual([{ kind: 'PROJECT_APPROVED', message: 'Your project "3号楼楼道微改造" was approved and is now on the public project list: 同意实施，注意施工安全' }]);
  });

  it('rejects with a required reason: CANCELLED, still private, and the person leading it is told', async () => {
    const s = await scene();
    const project = (await app.gqlOk(PROPOSE, { i: proposal(s, { title: '楼顶菜园' }) }, s.resident.token)).proposeProject;
    const before = await projectRows();
    const noReason = await app.gql(REVIEW, { id: project.id, d: 'REJECT' }, s.secretary.token);
    expect(errorCode(noReason)).toBe('BAD_USER_INPUT');
    expect(noReason.errors![0].extensions.fields).toEqual([{ path: 'note', message: expect.any(String) }]);
    expect(await projectRows()).toEqual(before);

    const rejected = (await app.gqlOk(REVIEW, { id: project.id, d: 'REJECT', n: '楼顶属于公共消防通道，不能种菜' }, s.secretary.token)).reviewProject;
    expect(rejected).toMatchObject({ status: 'CANCELLED', cancelReason: '楼顶属于公共消防通道，不能种菜' });
    expect((await app.gqlOk(PROJECT, { id: project.id }, null)).project).toBeNull();
    expect((await app.gqlOk(PROJECT, { id: project.id }, s.stranger.token)).project).toBeNull();
    expect((await app.gqlOk(PROJECT, { id: project.id }, s.resident.token)).project.cancelReason).toBe('楼顶属于公共消防通道，不能种菜');
    expect(await inbox(s.resident.token)).toEqual([{ kind: 'PROJECT_CANCELLED', message: 'Your project "楼顶菜园" was not approved: 楼顶属于公共消防通道，不能种菜' }]);
    // Nothing more happens to it.
    expect(errorCode(await app.gql(UPDATE, { id: project.id, t: '开始', p: 10 }, s.resident.token))).toBe('INVALID_STATE');
  });
});

describe('progress', () => {
  it('lets the lead partner and the secretary post updates; the first starts the work; the partner speaks, not its member', async () => {
    const s = await scene();
    const project = await approved(s);
    const before = await projectRows();
    expect(errorCode(await app.gql(UPDATE, { id: project.id, t: '开工', p: 10 }))).toBe('UNAUTHENTICATED');
    for (const refused of [s.resident, s.stranger, s.otherSecretary, s.otherPartnerOwner]) {
      const res = await app.gql(UPDATE, { id: project.id, t: '开工', p: 10 }, refused.token);
      expect(errorCode(res)).toBe('FORBIDDEN');
      expect(res.errors![0].message).toBe("Only the project's lead (its partner's members or the person leading it) or the community's secretaries may do this");
    }
    expect(await projectRows()).toEqual(before);

    const first = (await app.gqlOk(UPDATE, { id: project.id, t: '扶手已拆除，开始安装新扶手', p: 30 }, s.member.token)).postProjectUpdate;
    expect(first).toMatchObject({ status: 'IN_PROGRESS', progressPercent: 30 });
    expect(first.history.map((h: { to: string }) => h.to)).toEqual(['PROPOSED', 'APPROVED', 'IN_PROGRESS']);
    const second = (await app.gqlOk(UPDATE, { id: project.id, t: '照明改造完成', p: 60 }, s.secretary.token)).postProjectUpdate;
    expect(second.updates).toEqual([
      { text: '扶手已拆除，开始安装新扶手', progressPercent: 30, previousPercent: 0, authorName: s.partnerName, createdAt: expect.stringMatching(/\+08:00$/) },
      { text: '照明改造完成', progressPercent: 60, previousPercent: 30, authorName: s.secretary.email.split('@')[0], createdAt: expect.stringMatching(/\+08:00$/) },
    ]);
    // The status moved once: later updates add no history.
    expect(second.history).toHaveLength(3);
  });

  it('takes a lower percent only with its reason kept beside the percent it went down from', async () => {
    const s = await scene();
    const project = await approved(s);
    await app.gqlOk(UPDATE, { id: project.id, t: '墙面粉刷完成', p: 70 }, s.owner.token);
    const lowered = (await app.gqlOk(UPDATE, { id: project.id, t: '验收发现墙面起皮，需返工', p: 55 }, s.owner.token)).postProjectUpdate;
    expect(lowered.progressPercent).toBe(55);
    expect(lowered.updates[1]).toMatchObject({ text: '验收发现墙面起皮，需返工', progressPercent: 55, previousPercent: 70 });

    const before = await projectRows();
    const cases: [Record<string, unknown>, string][] = [
      [{ t: '   ', p: 40 }, 'text'],
      [{ t: '进度', p: 101 }, 'progressPercent'],
      [{ t: '进度', p: -1 }, 'progressPercent'],
      [{ t: 'x'.repeat(4001), p: 40 }, 'text'],
    ];
    for (const [vars, path] of cases) {
      const res = await app.gql(UPDATE, { id: project.id, ...vars }, s.owner.token);
      expect({ vars, code: errorCode(res), fields: res.errors?.[0].extensions.fields?.map((f) => f.path) }).toEqual({ vars, code: 'BAD_USER_INPUT', fields: [path] });
    }
    expect(await projectRows()).toEqual(before);
  });

  it('stops the partner speaking once its partnership here has ended; the secretary still completes the project', async () => {
    const s = await scene();
    const project = await approved(s);
    await app.gqlOk(UPDATE, { id: project.id, t: '开工', p: 30 }, s.member.token);
    await app.gqlOk(`mutation($id: ID!) { endPartnership(id: $id, reason: "合作到期") { status } }`, { id: s.partnershipId }, s.secretary.token);
    const before = await projectRows();
    for (const token of [s.member.token, s.owner.token]) {
      const res = await app.gql(UPDATE, { id: project.id, t: '继续施工', p: 50 }, token);
      expect(errorCode(res)).toBe('FORBIDDEN');
      expect(errorCode(await app.gql(COMPLETE, { id: project.id, s: '完成' }, token))).toBe('FORBIDDEN');
    }
    expect(await projectRows()).toEqual(before);
    const done = (await app.gqlOk(COMPLETE, { id: project.id, s: '由社区接手完成' }, s.secretary.token)).completeProject;
    expect(done).toMatchObject({ status: 'COMPLETED', progressPercent: 100 });
    expect(done.updates.at(-1).authorName).toBe(s.secretary.email.split('@')[0]);
  });

  it('refuses updates on a project not yet approved, changing nothing', async () => {
    const s = await scene();
    const project = await proposedByPartner(s);
    const before = await projectRows();
    expect(errorCode(await app.gql(UPDATE, { id: project.id, t: '先干起来', p: 5 }, s.member.token))).toBe('INVALID_STATE');
    expect(errorCode(await app.gql(COMPLETE, { id: project.id, s: '完成' }, s.member.token))).toBe('INVALID_STATE');
    expect(await projectRows()).toEqual(before);
  });

  it('keeps every update of concurrent posters, the percent following the last one committed', async () => {
    const s = await scene();
    const project = await approved(s);
    const posted = await Promise.all([10, 20, 30, 40, 50, 60].map((p, i) => app.gql(UPDATE, { id: project.id, t: `第${i + 1}次更新`, p }, i % 2 ? s.member.token : s.secretary.token)));
    expect(posted.map((r) => r.errors)).toEqual(Array(6).fill(undefined));
    const rows: { progress_percent: number; previous_percent: number }[] = await app.db.query(`SELECT progress_percent, previous_percent FROM project_update WHERE project_id = $1 ORDER BY created_at, id`, [project.id]);
    expect(rows).toHaveLength(6);
    // Updates queue behind each other: each starts from the one before it.
    const chain = new Set(rows.map((r) => r.previous_percent));
    expect(chain.size).toBe(6);
    const [{ progress_percent: now, status }] = await app.db.query(`SELECT progress_percent, status FROM project WHERE id = $1`, [project.id]);
    expect(status).toBe('IN_PROGRESS');
    expect(rows.map((r) => r.progress_percent)).toContain(now);
    expect(await count(app.db, 'status_change', `object_id = $1 AND to_status = 'IN_PROGRESS'`, [project.id])).toBe(1);
  });
});

describe('completing and cancelling', () => {
  it('completes with a summary at 100 %, posted as the last update, telling the lead and the secretaries; a completed project is read-only', async () => {
    const s = await scene();
    const project = await approved(s);
    await app.gqlOk(UPDATE, { id: project.id, t: '扶手安装完成', p: 80 }, s.member.token);
    const before = await projectRows();
    expect(errorCode(await app.gql(COMPLETE, { id: project.id, s: '全部完成' }, s.resident.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(COMPLETE, { id: project.id, s: '  ' }, s.member.token))).toBe('BAD_USER_INPUT');
    expect(await projectRows()).toEqual(before);

    const done = (await app.gqlOk(COMPLETE, { id: project.id, s: '扶手、照明、墙面全部完成，居民验收满意' }, s.member.token)).completeProject;
    expect(done).toMatchObject({ status: 'COMPLETED', progressPercent: 100, summary: '扶手、照明、墙面全部完成，居民验收满意' });
    expect(done.updates.at(-1)).toMatchObject({ text: '扶手、照明、墙面全部完成，居民验收满意', progressPercent: 100, previousPercent: 80, authorName: s.partnerName });
    expect(done.history.map((h: { to: string }) => h.to)).toEqual(['PROPOSED', 'APPROVED', 'IN_PROGRESS', 'COMPLETED']);
    expect((await inbox(s.secretary.token)).map((n: { kind: string }) => n.kind)).toContain('PROJECT_COMPLETED');
    expect((await inbox(s.owner.token)).map((n: { kind: string }) => n.kind)).toEqual(['PROJECT_COMPLETED', 'PROJECT_APPROVED']);
    // The member who completed it is not told of their own act.
    expect((await inbox(s.member.token)).map((n: { kind: string }) => n.kind)).toEqual(['PROJECT_APPROVED']);

    const after = await projectRows();
    for (const res of [
      await app.gql(UPDATE, { id: project.id, t: '补充', p: 100 }, s.member.token),
      await app.gql(COMPLETE, { id: project.id, s: '再完成' }, s.secretary.token),
      await app.gql(CANCEL, { id: project.id, r: '取消' }, s.secretary.token),
    ]) {
      expect(errorCode(res)).toBe('INVALID_STATE');
    }
    expect(await projectRows()).toEqual(after);
  });

  it('lets the person leading it or the secretary cancel with a required reason; a cancelled approved project stays public with its reason', async () => {
    const s = await scene();
    const project = (await app.gqlOk(PROPOSE, { i: proposal(s, { title: '邻里读书角' }) }, s.resident.token)).proposeProject;
    await app.gqlOk(REVIEW, { id: project.id, d: 'APPROVE' }, s.secretary.token);
    const before = await projectRows();
    for (const refused of [s.stranger, s.member, s.otherSecretary]) expect(errorCode(await app.gql(CANCEL, { id: project.id, r: '不做了' }, refused.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(CANCEL, { id: project.id, r: ' ' }, s.resident.token))).toBe('BAD_USER_INPUT');
    expect(await projectRows()).toEqual(before);

    const cancelled = (await app.gqlOk(CANCEL, { id: project.id, r: '场地被征用，改到明年' }, s.resident.token)).cancelProject;
    expect(cancelled).toMatchObject({ status: 'CANCELLED', cancelReason: '场地被征用，改到明年' });
    expect((await app.gqlOk(PROJECT, { id: project.id }, null)).project).toMatchObject({ status: 'CANCELLED', cancelReason: '场地被征用，改到明年', leadPersonName: s.resident.email.split('@')[0] });
    expect(await inbox(s.secretary.token)).toContainEqual({ kind: 'PROJECT_CANCELLED', message: 'The project "邻里读书角" was cancelled: 场地被征用，改到明年' });

    // The lead withdraws a proposal the same way; the secretary cancels a project in progress.
    const other = await proposedByPartner(s, { title: '单元门禁改造' });
    expect((await app.gqlOk(CANCEL, { id: other.id, r: '预算未落实' }, s.owner.token)).cancelProject.status).toBe('CANCELLED');
    // Withdrawn, not reviewed: the other members and the secretaries read so.
    expect(await inbox(s.member.token)).toEqual([{ kind: 'PROJECT_CANCELLED', message: 'The project "单元门禁改造" was cancelled: 预算未落实' }]);
    expect((await app.gqlOk(PROJECT, { id: other.id }, null)).project).toBeNull();
    const third = await approved(s);
    await app.gqlOk(UPDATE, { id: third.id, t: '开工', p: 10 }, s.member.token);
    expect((await app.gqlOk(CANCEL, { id: third.id, r: '施工方退出' }, s.secretary.token)).cancelProject.status).toBe('CANCELLED');
  });
});

describe('listing a community\'s projects', () => {
  it('pages oldest first, filters by status, and counts only what the reader may see, one statement per page with nested lists', async () => {
    const s = await scene();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await approved(s, { title: `项目${i}`, demandIds: [await postDemand(app, s.secretary.token, s.communityId)] })).id);
    await app.gqlOk(UPDATE, { id: ids[0], t: '开工', p: 10 }, s.member.token);
    const hidden = (await proposedByPartner(s, { title: '待审核' })).id;

    const PAGE = `query($c: ID!, $s: [ProjectStatus!], $a: String) { projects(communityId: $c, status: $s, first: 2, after: $a) { totalCount pageInfo { hasNextPage endCursor }
      edges { node { id status updates { text } demands { id } leadPartner { id } } } } }`;
    const first = await app.gql(PAGE, { c: s.communityId }, null);
    expect(first.data.projects.totalCount).toBe(3);
    expect(first.data.projects.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([ids[0], ids[1]]);
    const second = (await app.gqlOk(PAGE, { c: s.communityId, a: first.data.projects.pageInfo.endCursor }, null)).projects;
    expect(second.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([ids[2]]);
    expect(second.pageInfo.hasNextPage).toBe(false);
    // The lead also sees its proposal; a status filter narrows.
    expect((await app.gqlOk(LIST, { c: s.communityId }, s.owner.token)).projects.totalCount).toBe(4);
    expect((await app.gqlOk(LIST, { c: s.communityId, s: ['PROPOSED'] }, s.secretary.token)).projects.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([hidden]);
    expect((await app.gqlOk(LIST, { c: s.communityId, s: ['IN_PROGRESS'] }, null)).projects.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([ids[0]]);

    // Nested updates, demand items and leads add a fixed number of statements, not one per project.
    const statements = async (first: number) =>
      Number((await app.gql(PAGE.replace('first: 2', `first: ${first}`), { c: s.communityId }, null)).headers['x-sql-statements']);
    expect(await statements(3)).toBe(await statements(1));
  });
});

describe('the public board', () => {
  it('lists approved and in-progress projects with their progress, then those completed lately; never proposals or cancelled ones', async () => {
    const s = await scene();
    const demand = await postDemand(app, s.secretary.token, s.communityId);
    const going = await approved(s, { title: '楼道微改造', demandIds: [demand] });
    await app.gqlOk(UPDATE, { id: going.id, t: '完成60%', p: 60 }, s.member.token);
    const waiting = await approved(s, { title: '加装电梯' });
    const completed = await approved(s, { title: '健身步道' });
    await app.gqlOk(COMPLETE, { id: completed.id, s: '步道铺设完成' }, s.owner.token);
    const longAgo = await approved(s, { title: '老项目' });
    await app.gqlOk(COMPLETE, { id: longAgo.id, s: '早已完成' }, s.owner.token);
    await app.db.query(`UPDATE project SET completed_at = completed_at - interval '100 days' WHERE id = $1`, [longAgo.id]);
    await proposedByPartner(s, { title: '还在审核' });
    const dropped = await approved(s, { title: '已取消' });
    await app.gqlOk(CANCEL, { id: dropped.id, r: '不做了' }, s.secretary.token);

    const board = (await app.gqlOk(BOARD, { c: s.communityId }, null)).publicBoard.projects;
    expect(board.map((p: { title: string }) => p.title)).toEqual(['加装电梯', '楼道微改造', '健身步道']);
    expect(board[1]).toEqual({
      id: going.id,
      status: 'IN_PROGRESS',
      title: '楼道微改造',
      progressPercent: 60,
      leadPartner: { name: s.partnerName },
      leadPersonName: null,
      demands: [{ id: demand }],
      updates: [{ text: '完成60%', progressPercent: 60, authorName: s.partnerName }],
    });
    expect(board[2]).toMatchObject({ status: 'COMPLETED', progressPercent: 100 });
    expect(waiting.id).toBe(board[0].id);
  });

  it('reads the projects with their updates, demand items and leads in the same number of statements however many there are', async () => {
    const s = await scene();
    const statements = async () => Number((await app.gql(BOARD, { c: s.communityId }, null)).headers['x-sql-statements']);
    const one = await approved(s, { demandIds: [await postDemand(app, s.secretary.token, s.communityId)] });
    await app.gqlOk(UPDATE, { id: one.id, t: '开工', p: 10 }, s.member.token);
    const few = await statements();
    for (let i = 0; i < 4; i++) {
      const more = await approved(s, { demandIds: [await postDemand(app, s.secretary.token, s.communityId)] });
      await app.gqlOk(UPDATE, { id: more.id, t: '开工', p: 20 }, s.member.token);
    }
    expect(await statements()).toBe(few);
  });
});
