import { now, nowMs } from '../src/common/clock';
import request from 'supertest';
import { count, errorCode, ok, startTestApp, type TestApp } from './support/app';
import { resetClock, setTestClock, testNow } from './support/clock';
import { postDemand } from './support/demand-fixtures';
import { communityWithSecretary, signUp, unique, type Account } from './support/fixtures';

/*
 * Deliberation (议事, issue #15 item 1) through the API: a secretary puts an item before the
 * residents (a verified resident proposes one for the secretary's approval), residents voice one
 * opinion each until it closes, the secretary records the meeting's decision with the demand items
 * it created, or withdraws the item; residents are told in their inbox, and the public board shows
 * the agenda without the names of anonymous authors.
 */

let app: TestApp;
let adminToken = '';
beforeAll(async () => {
  app = await startTestApp();
  adminToken = await app.adminToken();
});
afterAll(() => app.close());
afterEach(() => resetClock());

/** Moves the server's clock on by `ms` from now (afterEach sets it back). */
const laterBy = (ms: number) => setTestClock(new Date(nowMs() + ms).toISOString());

const JOIN = `mutation($c: ID!) { joinCommunity(communityId: $c) { verified } }`;
const VERIFY = `mutation($c: ID!, $u: ID!) { verifyResident(communityId: $c, userId: $u) { verified } }`;
const PROPOSE = `mutation($i: ProposeAgendaItemInput!) { proposeAgendaItem(input: $i) { id status title description opinionsCloseAt community { id } support oppose neutral history { from to } } }`;
const APPROVE = `mutation($id: ID!, $at: DateTime) { approveAgendaItem(id: $id, opinionsCloseAt: $at) { id status opinionsCloseAt history { from to by { id } } } }`;
const VOICE = `mutation($id: ID!, $s: Stance!, $t: String, $a: Boolean) { voiceOpinion(agendaItemId: $id, stance: $s, text: $t, anonymous: $a) { id stance text authorName anonymous createdAt } }`;
const DECIDE = `mutation($i: RecordDecisionInput!) { recordDecision(input: $i) { id status meetingDate attendees outcome decidedAt linkedDemands { id } support oppose neutral history { from to } } }`;
const WITHDRAW = `mutation($id: ID!, $r: String!) { withdrawAgendaItem(id: $id, reason: $r) { id status withdrawalReason history { from to note } } }`;
const ITEM = `query($id: ID!) { agendaItem(id: $id) { id status opinionsOpen support oppose neutral myOpinion { stance text anonymous authorName }
  opinions(first: 50) { totalCount edges { node { stance text authorName anonymous } } } history { to note by { id } } } }`;
const LIST = `query($c: ID!, $s: AgendaStatus) { agendaItems(communityId: $c, status: $s, first: 50) { totalCount edges { node { id status } } } }`;
const BOARD = `query($c: ID!) { publicBoard(communityId: $c) { agenda { id status title support oppose neutral outcome opinions(first: 20) { edges { node { text authorName } } } } } }`;
const INBOX = `{ notifications(first: 20) { edges { node { kind message } } } }`;
const PROPOSE_PROJECT = `mutation($i: ProposeProjectInput!) { proposeProject(input: $i) { id status } }`;
const REVIEW_PROJECT = `mutation($id: ID!) { reviewProject(id: $id, decision: APPROVE) { id status } }`;
const LINKED_PROJECTS = `query($id: ID!) { agendaItem(id: $id) { linkedProjects { id title status } } }`;

/** A project of the community led by the caller themself: PROPOSED, or APPROVED by the secretary. */
async function projectOf(communityId: string, lead: Account, title: string, approvedBy?: Account): Promise<string> {
  const { id } = ok(await app.gql(PROPOSE_PROJECT, { i: { communityId, title } }, lead.token)).proposeProject;
  if (approvedBy) ok(await app.gql(REVIEW_PROJECT, { id }, approvedBy.token));
  return id;
}

/** An instant `ms` after the server's now. */
const inFuture = (ms = 3_600_000) => new Date(testNow().getTime() + ms).toISOString();
const agendaRows = () => app.db.query(`SELECT * FROM agenda_item ORDER BY id`);
const opinionRows = () => app.db.query(`SELECT * FROM agenda_opinion ORDER BY id`);
const everyAgendaRow = async () => ({
  items: await agendaRows(),
  opinions: await opinionRows(),
  links: await app.db.query(`SELECT * FROM agenda_item_demand ORDER BY 1, 2, 3`),
  projectLinks: await app.db.query(`SELECT * FROM agenda_item_project ORDER BY 1, 2, 3`),
  history: await app.db.query(`SELECT * FROM status_change WHERE object_type = 'AGENDA_ITEM' ORDER BY seq`) });
const inbox = async (token: string) => ok(await app.gql(INBOX, {}, token)).notifications.edges.map((e: { node: { kind: string; message: string } }) => e.node);

/** A community (Asia/Shanghai) with its secretary and `n` residents, the first `verified` of them verified. */
async function scene(n = 2, verified = 1) {
  const { communityId, secretary } = await communityWithSecretary(app, { timezone: 'Asia/Shanghai' });
  const residents: Account[] = [];
  for (let i = 0; i < n; i++) {
    const resident = await signUp(app, unique('resident'));
    ok(await app.gql(JOIN, { c: communityId }, resident.token));
    if (i < verified) ok(await app.gql(VERIFY, { c: communityId, u: resident.id }, secretary.token));
    residents.push(resident);
  }
  return { communityId, secretary, residents };
}

async function openItem(communityId: string, secretary: Account, input: Record<string, unknown> = {}) {
  return ok(await app.gql(PROPOSE, { i: { communityId, title: '是否在中心花园加装遮阳棚', description: '夏天中午太晒', opinionsCloseAt: inFuture(), ...input } }, secretary.token)).proposeAgendaItem;
}

describe('proposing an agenda item', () => {
  it('opens a secretary item at once, in the community offset, and tells every resident in their language', async () => {
    const { communityId, secretary, residents } = await scene(2, 0);
    ok(await app.gql(`mutation { setMyLocale(locale: "zh-CN") { id } }`, {}, residents[1].token));
    const item = await openItem(communityId, secretary, { title: '  楼道堆物清理  ' });
    expect(item).toMatchObject({ status: 'OPEN_FOR_OPINIONS', title: '楼道堆物清理', community: { id: communityId }, support: 0, oppose: 0, neutral: 0, history: [{ from: null, to: 'OPEN_FOR_OPINIONS' }] });
    expect(item.opinionsCloseAt).toMatch(/\+08:00$/);
    expect(await inbox(residents[0].token)).toEqual([{ kind: 'AGENDA_ITEM_OPEN_FOR_OPINIONS', message: expect.stringContaining('"楼道堆物清理"') }]);
    // A client naming no language reads the saved one.
    const zh = await request(app.server).post('/graphql').set('content-type', 'application/json').set('authorization', `Bearer ${residents[1].token}`).send({ query: INBOX });
    expect(zh.body.data.notifications.edges[0].node).toEqual({ kind: 'AGENDA_ITEM_OPEN_FOR_OPINIONS', message: expect.stringMatching(/^社区就“楼道堆物清理”征集您的意见，截止时间 \S/) });
    // The secretary is not told of what they did; nobody outside the community is told.
    expect(await inbox(secretary.token)).toEqual([]);
    expect(await count(app.db, 'notification', `kind = 'AGENDA_ITEM_OPEN_FOR_OPINIONS' AND community_id = $1`, [communityId])).toBe(2);
  });

  it('refuses a closing time that is not in the future, naming the field, and changes nothing', async () => {
    const { communityId, secretary } = await scene(0);
    const before = await everyAgendaRow();
    const past = await app.gql(PROPOSE, { i: { communityId, title: '议题', opinionsCloseAt: new Date(nowMs() - 60_000).toISOString() } }, secretary.token);
    expect(errorCode(past)).toBe('BAD_USER_INPUT');
    expect(past.errors![0].extensions.fields).toEqual([{ path: 'input.opinionsCloseAt', message: 'must be in the future' }]);
    const blank = await app.gql(PROPOSE, { i: { communityId, title: '   ', opinionsCloseAt: inFuture() } }, secretary.token);
    expect(errorCode(blank)).toBe('BAD_USER_INPUT');
    expect(blank.errors![0].extensions.fields!.map((f: { path: string }) => f.path)).toEqual(['input.title']);
    expect(await everyAgendaRow()).toEqual(before);
  });

  it("lets a verified resident propose an item that waits for the secretary's approval, seen only by them, the secretary and admins", async () => {
    const { communityId, secretary, residents } = await scene(2, 1);
    const [verified, neighbour] = residents;
    const proposed = ok(await app.gql(PROPOSE, { i: { communityId, title: '增设电动车充电桩', opinionsCloseAt: inFuture() } }, verified.token)).proposeAgendaItem;
    expect(proposed.status).toBe('PROPOSED');
    expect(await inbox(secretary.token)).toEqual([{ kind: 'AGENDA_ITEM_PROPOSED', message: 'A resident proposed an agenda item: "增设电动车充电桩"; it waits for your approval' }]);
    expect(await inbox(neighbour.token)).toEqual([]);

    for (const [token, sees] of [[verified.token, true], [secretary.token, true], [adminToken, true], [neighbour.token, false], [null, false]] as const) {
      expect((await app.gql(ITEM, { id: proposed.id }, token)).data.agendaItem?.id ?? null).toBe(sees ? proposed.id : null);
      expect((await app.gql(LIST, { c: communityId }, token)).data.agendaItems.totalCount).toBe(sees ? 1 : 0);
    }
    // Nobody voices on a proposal.
    expect(errorCode(await app.gql(VOICE, { id: proposed.id, s: 'SUPPORT' }, neighbour.token))).toBe('INVALID_STATE');

    const approved = ok(await app.gql(APPROVE, { id: proposed.id }, secretary.token)).approveAgendaItem;
    expect(approved).toMatchObject({ status: 'OPEN_FOR_OPINIONS', history: [{ from: null, to: 'PROPOSED' }, { from: 'PROPOSED', to: 'OPEN_FOR_OPINIONS', by: { id: secretary.id } }] });
    expect((await inbox(neighbour.token)).map((n: { kind: string }) => n.kind)).toEqual(['AGENDA_ITEM_OPEN_FOR_OPINIONS']);
    expect((await app.gql(ITEM, { id: proposed.id }, null)).data.agendaItem.id).toBe(proposed.id);
    expect(errorCode(await app.gql(APPROVE, { id: proposed.id }, secretary.token))).toBe('INVALID_STATE');
  });

  it('refuses residents the secretary did not verify, strangers and anonymous callers, changing nothing', async () => {
    const { communityId, residents } = await scene(1, 0);
    const stranger = await signUp(app);
    const before = await everyAgendaRow();
    const input = { i: { communityId, title: '议题', opinionsCloseAt: inFuture() } };
    expect(errorCode(await app.gql(PROPOSE, input, null))).toBe('UNAUTHENTICATED');
    for (const refused of [residents[0], stranger]) {
      const res = await app.gql(PROPOSE, input, refused.token);
      expect(errorCode(res)).toBe('FORBIDDEN');
      expect(res.errors![0].message).toBe('Only the secretaries of this community and residents they verified may propose agenda items here');
    }
    expect(await everyAgendaRow()).toEqual(before);
  });

  it('opens a proposal with a new closing time when the proposed one has passed, and declines one with a reason told to the proposer', async () => {
    const { communityId, secretary, residents } = await scene(1, 1);
    const proposed = ok(await app.gql(PROPOSE, { i: { communityId, title: '提议一', opinionsCloseAt: inFuture() } }, residents[0].token)).proposeAgendaItem;
    // Two hours later, the proposed closing time has passed.
    laterBy(2 * 3_600_000);
    const before = await everyAgendaRow();
    const late = await app.gql(APPROVE, { id: proposed.id }, secretary.token);
    expect(errorCode(late)).toBe('BAD_USER_INPUT');
    expect(late.errors![0].extensions.fields).toEqual([{ path: 'opinionsCloseAt', message: 'must be in the future' }]);
    expect(await everyAgendaRow()).toEqual(before);
    const closeAt = inFuture(7 * 86_400_000);
    const approved = ok(await app.gql(APPROVE, { id: proposed.id, at: closeAt }, secretary.token)).approveAgendaItem;
    expect(new Date(approved.opinionsCloseAt).toISOString()).toBe(closeAt);

    const second = ok(await app.gql(PROPOSE, { i: { communityId, title: '提议二', opinionsCloseAt: inFuture() } }, residents[0].token)).proposeAgendaItem;
    const declined = ok(await app.gql(WITHDRAW, { id: second.id, r: '与上一议题重复' }, secretary.token)).withdrawAgendaItem;
    expect(declined).toMatchObject({ status: 'WITHDRAWN', withdrawalReason: '与上一议题重复', history: [{ to: 'PROPOSED' }, { from: 'PROPOSED', to: 'WITHDRAWN', note: '与上一议题重复' }] });
    expect((await inbox(residents[0].token))[0]).toEqual({ kind: 'AGENDA_ITEM_WITHDRAWN', message: 'Your proposed agenda item "提议二" was not taken up: 与上一议题重复' });
    // A declined proposal was never public.
    expect((await app.gql(ITEM, { id: second.id }, null)).data.agendaItem).toBeNull();
  });
});

describe('voicing opinions', () => {
  it('keeps one opinion per person, changeable until the close; counts and texts public, anonymous authors never named', async () => {
    const { communityId, secretary, residents } = await scene(3, 0);
    const [lin, zhou, chen] = residents;
    const item = await openItem(communityId, secretary);
    const first = ok(await app.gql(VOICE, { id: item.id, s: 'SUPPORT', t: '很需要' }, lin.token)).voiceOpinion;
    expect(first).toMatchObject({ stance: 'SUPPORT', text: '很需要', authorName: expect.stringContaining('resident-'), anonymous: false });
    expect(first.createdAt).toMatch(/\+08:00$/);
    ok(await app.gql(VOICE, { id: item.id, s: 'OPPOSE', t: '占用绿地', a: true }, zhou.token));
    ok(await app.gql(VOICE, { id: item.id, s: 'NEUTRAL' }, chen.token));
    // Lin changes their mind: still one row, changed in place.
    const changed = ok(await app.gql(VOICE, { id: item.id, s: 'OPPOSE', t: '想了想还是不要了', a: true }, lin.token)).voiceOpinion;
    expect(changed).toMatchObject({ id: first.id, stance: 'OPPOSE', authorName: null, anonymous: true });
    expect(await count(app.db, 'agenda_opinion', 'agenda_item_id = $1', [item.id])).toBe(3);
    expect(await count(app.db, 'agenda_opinion', 'agenda_item_id = $1 AND author_id = $2 AND revision = 2', [item.id, lin.id])).toBe(1);

    for (const token of [null, chen.token, secretary.token, adminToken]) {
      const read = (await app.gql(ITEM, { id: item.id }, token)).data.agendaItem;
      expect(read).toMatchObject({ opinionsOpen: true, support: 0, oppose: 2, neutral: 1 });
      expect(read.opinions.totalCount).toBe(3);
      // Nobody, the secretary and admins included, reads the name of an anonymous author.
      expect(read.opinions.edges.map((e: { node: unknown }) => e.node)).toEqual([
        { stance: 'OPPOSE', text: '想了想还是不要了', authorName: null, anonymous: true },
        { stance: 'OPPOSE', text: '占用绿地', authorName: null, anonymous: true },
        { stance: 'NEUTRAL', text: null, authorName: expect.stringContaining('resident-'), anonymous: false },
      ]);
    }
    expect((await app.gql(ITEM, { id: item.id }, lin.token)).data.agendaItem.myOpinion).toEqual({ stance: 'OPPOSE', text: '想了想还是不要了', anonymous: true, authorName: null });
    expect((await app.gql(ITEM, { id: item.id }, secretary.token)).data.agendaItem.myOpinion).toBeNull();
    expect((await app.gql(ITEM, { id: item.id }, null)).data.agendaItem.myOpinion).toBeNull();
  });

  it('refuses people who do not live there (or left), bad text and anonymous callers, changing nothing', async () => {
    const { communityId, secretary, residents } = await scene(1, 0);
    const item = await openItem(communityId, secretary);
    const stranger = await signUp(app);
    ok(await app.gql(`mutation($c: ID!) { leaveCommunity(communityId: $c) }`, { c: communityId }, residents[0].token));
    const before = await everyAgendaRow();
    expect(errorCode(await app.gql(VOICE, { id: item.id, s: 'SUPPORT' }, null))).toBe('UNAUTHENTICATED');
    for (const refused of [stranger, residents[0], secretary]) {
      const res = await app.gql(VOICE, { id: item.id, s: 'SUPPORT' }, refused.token);
      expect(errorCode(res)).toBe('FORBIDDEN');
      expect(res.errors![0].message).toBe('Only residents of this community may voice opinions here; join it first');
    }
    ok(await app.gql(JOIN, { c: communityId }, stranger.token));
    const long = await app.gql(VOICE, { id: item.id, s: 'SUPPORT', t: 'x'.repeat(4001) }, stranger.token);
    expect(errorCode(long)).toBe('BAD_USER_INPUT');
    expect(long.errors![0].extensions.fields).toEqual([{ path: 'text', message: 'must be at most 4,000 characters' }]);
    const unknown = await app.gql(VOICE, { id: '00000000-0000-4000-8000-000000000000', s: 'SUPPORT' }, stranger.token);
    expect(errorCode(unknown)).toBe('NOT_FOUND');
    expect(await everyAgendaRow()).toEqual(before);
  });

  it('refuses opinions after the closing time (INVALID_STATE), keeping the ones voiced before', async () => {
    const { communityId, secretary, residents } = await scene(2, 0);
    const item = await openItem(communityId, secretary, { opinionsCloseAt: inFuture() });
    ok(await app.gql(VOICE, { id: item.id, s: 'SUPPORT' }, residents[0].token));
    laterBy(3_600_000 + 1);
    const before = await everyAgendaRow();
    for (const late of [residents[0], residents[1]]) {
      const res = await app.gql(VOICE, { id: item.id, s: 'OPPOSE' }, late.token);
      expect(errorCode(res)).toBe('INVALID_STATE');
      expect(res.errors![0].message).toMatch(/^Opinions on this agenda item closed at /);
    }
    expect(await everyAgendaRow()).toEqual(before);
    expect((await app.gql(ITEM, { id: item.id }, null)).data.agendaItem).toMatchObject({ status: 'OPEN_FOR_OPINIONS', opinionsOpen: false, support: 1, oppose: 0 });
  });
});

describe('recording the decision', () => {
  it('records meeting, attendance, outcome and the demand items it created; residents are told; the item is read-only then', async () => {
    const { communityId, secretary, residents } = await scene(2, 0);
    const item = await openItem(communityId, secretary);
    ok(await app.gql(VOICE, { id: item.id, s: 'SUPPORT', t: '支持' }, residents[0].token));
    const demand = await postDemand(app, secretary.token, communityId, { title: '遮阳棚采购' });
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(now());
    // Decided before the closing time: the meeting was held, opinions stop.
    const decided = ok(await app.gql(DECIDE, { i: { agendaItemId: item.id, meetingDate: today, attendees: 23, outcome: '  同意加装，由物业负责采购  ', demandIds: [demand, demand] } }, secretary.token)).recordDecision;
    expect(decided).toMatchObject({ status: 'DECIDED', meetingDate: today, attendees: 23, outcome: '同意加装，由物业负责采购', linkedDemands: [{ id: demand }], support: 1, history: [{ to: 'OPEN_FOR_OPINIONS' }, { from: 'OPEN_FOR_OPINIONS', to: 'DECIDED' }] });
    expect(decided.decidedAt).toMatch(/\+08:00$/);
    expect((await inbox(residents[1].token))[0]).toEqual({ kind: 'AGENDA_ITEM_DECIDED', message: 'Decided: "是否在中心花园加装遮阳棚": 同意加装，由物业负责采购' });

    const before = await everyAgendaRow();
    const late = await app.gql(VOICE, { id: item.id, s: 'OPPOSE' }, residents[0].token);
    expect(errorCode(late)).toBe('INVALID_STATE');
    expect(late.errors![0].message).toBe('This agenda item is DECIDED; opinions are taken only while it is OPEN_FOR_OPINIONS');
    expect(errorCode(await app.gql(DECIDE, { i: { agendaItemId: item.id, meetingDate: today, attendees: 1, outcome: '再议' } }, secretary.token))).toBe('INVALID_STATE');
    expect(errorCode(await app.gql(WITHDRAW, { id: item.id, r: '撤回' }, secretary.token))).toBe('INVALID_STATE');
    expect(await everyAgendaRow()).toEqual(before);
  });

  it('refuses demand items of another community or unknown, a meeting in the future and bad numbers, naming the field and changing nothing', async () => {
    const { communityId, secretary } = await scene(0);
    const { communityId: elsewhere, secretary: elsewhereSecretary } = await communityWithSecretary(app);
    const item = await openItem(communityId, secretary);
    const own = await postDemand(app, secretary.token, communityId);
    const foreign = await postDemand(app, elsewhereSecretary.token, elsewhere);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(now());
    const decide = (i: Record<string, unknown>) => app.gql(DECIDE, { i: { agendaItemId: item.id, meetingDate: today, attendees: 10, outcome: '同意', ...i } }, secretary.token);
    const before = await everyAgendaRow();

    const other = await decide({ demandIds: [own, foreign] });
    expect(errorCode(other)).toBe('BAD_USER_INPUT');
    expect(other.errors![0].extensions.fields).toEqual([{ path: 'input.demandIds[1]', message: "must be a demand item of the agenda item's community" }]);
    const unknown = await decide({ demandIds: ['00000000-0000-4000-8000-000000000000'] });
    expect(errorCode(unknown)).toBe('NOT_FOUND');
    expect(unknown.errors![0].extensions.fields).toEqual([{ path: 'input.demandIds[0]', message: expect.any(String) }]);
    const tomorrow = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(nowMs() + 2 * 86_400_000));
    const future = await decide({ meetingDate: tomorrow });
    expect(errorCode(future)).toBe('BAD_USER_INPUT');
    expect(future.errors![0].extensions.fields![0].path).toBe('input.meetingDate');
    for (const [bad, path] of [[{ attendees: -1 }, 'input.attendees'], [{ outcome: ' ' }, 'input.outcome']] as const) {
      const res = await decide(bad);
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions.fields!.map((f: { path: string }) => f.path)).toEqual([path]);
    }
    expect(await everyAgendaRow()).toEqual(before);
  });

  it('links the projects the decision created; a project not yet approved only for its lead, the secretaries and admins', async () => {
    const { communityId, secretary, residents } = await scene(2, 0);
    const item = await openItem(communityId, secretary);
    const shade = await projectOf(communityId, secretary, '中心花园遮阳棚采购', secretary);
    const benches = await projectOf(communityId, residents[0], '棚下长椅认捐');
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(now());
    const decided = ok(await app.gql(`mutation($i: RecordDecisionInput!) { recordDecision(input: $i) { status linkedProjects { id status } } }`, { i: { agendaItemId: item.id, meetingDate: today, attendees: 18, outcome: '同意加装', projectIds: [shade, benches, shade] } }, secretary.token)).recordDecision;
    expect(decided).toEqual({ status: 'DECIDED', linkedProjects: [{ id: shade, status: 'APPROVED' }, { id: benches, status: 'PROPOSED' }] });
    expect(await app.db.query(`SELECT community_id, project_id FROM agenda_item_project WHERE agenda_item_id = $1 ORDER BY project_id`, [item.id])).toEqual(
      [shade, benches].sort().map((project_id) => ({ community_id: communityId, project_id })),
    );
    const linked = async (token: string | null) => ok(await app.gql(LINKED_PROJECTS, { id: item.id }, token)).agendaItem.linkedProjects.map((p: { id: string }) => p.id);
    expect(await linked(residents[0].token)).toEqual([shade, benches]);
    expect(await linked(adminToken)).toEqual([shade, benches]);
    // Anyone else reads the approved one only, the item itself intact.
    expect(await linked(residents[1].token)).toEqual([shade]);
    expect(await linked(null)).toEqual([shade]);
    // Once approved, the proposal is public with the decision.
    ok(await app.gql(REVIEW_PROJECT, { id: benches }, secretary.token));
    expect(await linked(null)).toEqual([shade, benches]);
  });

  it('reads the linked projects of a page of items in one statement', async () => {
    const { communityId, secretary } = await scene(0);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(now());
    for (const title of ['遮阳棚', '长椅']) {
      const item = await openItem(communityId, secretary);
      const project = await projectOf(communityId, secretary, title, secretary);
      ok(await app.gql(DECIDE, { i: { agendaItemId: item.id, meetingDate: today, attendees: 5, outcome: '同意', projectIds: [project] } }, secretary.token));
    }
    const statements = async (n: number, fields: string) => {
      const res = await app.gql(`query($c: ID!, $n: Int) { agendaItems(communityId: $c, first: $n) { edges { node { id ${fields} } } } }`, { c: communityId, n }, null);
      expect(res.errors).toBeUndefined();
      return Number(res.headers['x-sql-statements']);
    };
    const list = await statements(2, '');
    expect(await statements(1, 'linkedProjects { title }')).toBe(list + 1);
    expect(await statements(2, 'linkedProjects { title }')).toBe(list + 1);
  });

  it('refuses projects of another community or unknown, naming the place in the list, and changes nothing', async () => {
    const { communityId, secretary } = await scene(0);
    const { communityId: elsewhere, secretary: elsewhereSecretary } = await communityWithSecretary(app);
    const item = await openItem(communityId, secretary);
    const own = await projectOf(communityId, secretary, '遮阳棚采购', secretary);
    const foreign = await projectOf(elsewhere, elsewhereSecretary, '别处的项目', elsewhereSecretary);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(now());
    const decide = (i: Record<string, unknown>) => app.gql(DECIDE, { i: { agendaItemId: item.id, meetingDate: today, attendees: 10, outcome: '同意', ...i } }, secretary.token);
    const before = await everyAgendaRow();

    const other = await decide({ projectIds: [own, foreign] });
    expect(errorCode(other)).toBe('BAD_USER_INPUT');
    expect(other.errors![0].extensions.fields).toEqual([{ path: 'input.projectIds[1]', message: "must be a project of the agenda item's community" }]);
    const unknown = await decide({ projectIds: [own, '00000000-0000-4000-8000-000000000000'] });
    expect(errorCode(unknown)).toBe('NOT_FOUND');
    expect(unknown.errors![0].extensions.fields).toEqual([{ path: 'input.projectIds[1]', message: expect.any(String) }]);
    const malformed = await decide({ projectIds: ['not-an-id'] });
    expect(errorCode(malformed)).toBe('NOT_FOUND');
    expect(await everyAgendaRow()).toEqual(before);
  });

  it('lets only the community secretary and admins decide and withdraw', async () => {
    const { communityId, secretary, residents } = await scene(1, 1);
    const { secretary: otherSecretary } = await communityWithSecretary(app);
    const item = await openItem(communityId, secretary);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(now());
    const before = await everyAgendaRow();
    for (const token of [null, residents[0].token, otherSecretary.token]) {
      const expected = token ? 'FORBIDDEN' : 'UNAUTHENTICATED';
      expect(errorCode(await app.gql(DECIDE, { i: { agendaItemId: item.id, meetingDate: today, attendees: 3, outcome: '同意' } }, token))).toBe(expected);
      expect(errorCode(await app.gql(WITHDRAW, { id: item.id, r: '撤回' }, token))).toBe(expected);
      expect(errorCode(await app.gql(APPROVE, { id: item.id }, token))).toBe(expected);
    }
    expect(await everyAgendaRow()).toEqual(before);
    expect(ok(await app.gql(DECIDE, { i: { agendaItemId: item.id, meetingDate: today, attendees: 3, outcome: '同意' } }, adminToken)).recordDecision.status).toBe('DECIDED');
  });
});

describe('withdrawing an item', () => {
  it('needs a reason, tells the residents why, and refuses opinions afterwards', async () => {
    const { communityId, secretary, residents } = await scene(1, 0);
    const item = await openItem(communityId, secretary);
    const before = await everyAgendaRow();
    const blank = await app.gql(WITHDRAW, { id: item.id, r: '  ' }, secretary.token);
    expect(errorCode(blank)).toBe('BAD_USER_INPUT');
    expect(blank.errors![0].extensions.fields![0].path).toBe('reason');
    expect(await everyAgendaRow()).toEqual(before);

    const withdrawn = ok(await app.gql(WITHDRAW, { id: item.id, r: '街道统一安排，不再议' }, secretary.token)).withdrawAgendaItem;
    expect(withdrawn).toMatchObject({ status: 'WITHDRAWN', withdrawalReason: '街道统一安排，不再议' });
    expect((await inbox(residents[0].token))[0]).toEqual({ kind: 'AGENDA_ITEM_WITHDRAWN', message: 'The agenda item "是否在中心花园加装遮阳棚" was withdrawn: 街道统一安排，不再议' });
    expect(errorCode(await app.gql(VOICE, { id: item.id, s: 'SUPPORT' }, residents[0].token))).toBe('INVALID_STATE');
    // Withdrawn after opening: still public (residents were asked), with its reason; who withdrew it is not.
    const read = (await app.gql(`query($id: ID!) { agendaItem(id: $id) { status withdrawalReason history { to note by { id } } } }`, { id: item.id }, null)).data.agendaItem;
    expect(read).toEqual({ status: 'WITHDRAWN', withdrawalReason: '街道统一安排，不再议', history: [{ to: 'OPEN_FOR_OPINIONS', note: null, by: null }, { to: 'WITHDRAWN', note: null, by: null }] });
  });
});

describe('the agenda on the public board and in lists', () => {
  it('shows open and recently decided items, never proposals, withdrawn items or anonymous names', async () => {
    const { communityId, secretary, residents } = await scene(2, 1);
    const soon = await openItem(communityId, secretary, { title: '先截止', opinionsCloseAt: inFuture(3_600_000) });
    const later = await openItem(communityId, secretary, { title: '后截止', opinionsCloseAt: inFuture(7_200_000) });
    const decided = await openItem(communityId, secretary, { title: '已决议' });
    const withdrawn = await openItem(communityId, secretary, { title: '已撤回' });
    ok(await app.gql(PROPOSE, { i: { communityId, title: '待审核', opinionsCloseAt: inFuture() } }, residents[0].token));
    ok(await app.gql(VOICE, { id: soon.id, s: 'SUPPORT', t: '匿名支持', a: true }, residents[1].token));
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(now());
    ok(await app.gql(DECIDE, { i: { agendaItemId: decided.id, meetingDate: today, attendees: 9, outcome: '通过' } }, secretary.token));
    ok(await app.gql(WITHDRAW, { id: withdrawn.id, r: '撤回' }, secretary.token));

    const board = (await app.gql(BOARD, { c: communityId }, null)).data.publicBoard.agenda;
    expect(board.map((i: { title: string; status: string }) => [i.title, i.status])).toEqual([
      ['先截止', 'OPEN_FOR_OPINIONS'],
      ['后截止', 'OPEN_FOR_OPINIONS'],
      ['已决议', 'DECIDED'],
    ]);
    expect(board[0]).toMatchObject({ support: 1, opinions: { edges: [{ node: { text: '匿名支持', authorName: null } }] } });
    expect(board[2].outcome).toBe('通过');
    expect(later.id).toBe(board[1].id);

    // Lists: newest first; filtered by status; proposals for the secretary only.
    expect((await app.gql(LIST, { c: communityId }, null)).data.agendaItems.totalCount).toBe(4);
    expect((await app.gql(LIST, { c: communityId }, secretary.token)).data.agendaItems.totalCount).toBe(5);
    const open = (await app.gql(LIST, { c: communityId, s: 'OPEN_FOR_OPINIONS' }, null)).data.agendaItems.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(open).toEqual([later.id, soon.id]);
  });

  it('reads a page of opinions in one statement, and counts for a page of items in one more', async () => {
    const { communityId, secretary, residents } = await scene(4, 0);
    const item = await openItem(communityId, secretary);
    const other = await openItem(communityId, secretary);
    for (const [i, r] of residents.entries()) {
      ok(await app.gql(VOICE, { id: item.id, s: 'SUPPORT', t: `意见${i}`, a: i % 2 === 0 }, r.token));
      ok(await app.gql(VOICE, { id: other.id, s: 'OPPOSE' }, r.token));
    }
    const statements = async (query: string, variables: Record<string, unknown>) => {
      const res = await app.gql(query, variables, null);
      expect(res.errors).toBeUndefined();
      return Number(res.headers['x-sql-statements']);
    };
    const bare = await statements(`query($id: ID!) { agendaItem(id: $id) { id } }`, { id: item.id });
    expect(await statements(`query($id: ID!) { agendaItem(id: $id) { opinions(first: 2) { edges { node { text authorName } } } } }`, { id: item.id })).toBe(bare + 1);
    expect(await statements(`query($id: ID!) { agendaItem(id: $id) { opinions(first: 20) { edges { node { text authorName } } } } }`, { id: item.id })).toBe(bare + 1);
    const list = await statements(`query($c: ID!) { agendaItems(communityId: $c) { edges { node { id } } } }`, { c: communityId });
    expect(await statements(`query($c: ID!) { agendaItems(communityId: $c) { edges { node { id support oppose neutral } } } }`, { c: communityId })).toBe(list + 1);
    // Each item's first page of opinions, for the whole page of items: one statement more (and one for their counts).
    const nested = `query($c: ID!, $n: Int) { agendaItems(communityId: $c, first: $n) { edges { node { id opinions(first: 3) { totalCount edges { node { text authorName } } } } } } }`;
    expect(await statements(nested, { c: communityId, n: 1 })).toBe(list + 2);
    expect(await statements(nested, { c: communityId, n: 2 })).toBe(list + 2);
  });

  it('pages through opinions with cursors, the first page batched and the next ones alike', async () => {
    const { communityId, secretary, residents } = await scene(5, 0);
    const item = await openItem(communityId, secretary);
    for (const [i, r] of residents.entries()) ok(await app.gql(VOICE, { id: item.id, s: 'SUPPORT', t: `意见${i}`, a: i === 1 }, r.token));
    const PAGE = `query($id: ID!, $after: String) { agendaItem(id: $id) { opinions(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { text authorName } } } } }`;
    const texts: string[] = [];
    const names: (string | null)[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 5; pages++) {
      const page: any = ok(await app.gql(PAGE, { id: item.id, after }, null)).agendaItem.opinions;
      expect(page.totalCount).toBe(5);
      texts.push(...page.edges.map((e: { node: { text: string } }) => e.node.text));
      names.push(...page.edges.map((e: { node: { authorName: string | null } }) => e.node.authorName));
      if (page.edges.length) expect(page.pageInfo.endCursor).toBe(page.edges.at(-1).cursor);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(texts).toEqual(['意见0', '意见1', '意见2', '意见3', '意见4']);
    expect(names.map((n) => n === null)).toEqual([false, true, false, false, false]);
    const bad = await app.gql(PAGE, { id: item.id, after: 'not-a-cursor' }, null);
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
  });
});
