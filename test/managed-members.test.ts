import { parse } from 'csv-parse';
import { DateTime } from 'luxon';
import request from 'supertest';
import { count, errorCode, PASSWORD, startTestApp, type TestApp } from './support/app';
import { activePartner, communityWithSecretary, joinPartner, signUp, unique, type Account } from './support/fixtures';
import { decide, iso, LOG_SERVICE, loggedService, minutesAgo } from './support/service-hours';

/*
 * Staff without e-mail (issue #16, item 3) through the API: a department's owner registers staff
 * who have no account, logs their hours (and any member's), exports the partner's own logs and
 * reads its members' certificates; a managed member later takes the account over by signing up
 * with the e-mail an invitation names, and keeps every log.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const ADD_MANAGED = `mutation($p: ID!, $n: String!) { addManagedMember(partnerId: $p, displayName: $n) { role user { id displayName email managed } } }`;
const INVITE = `mutation($p: ID!, $e: String!, $m: ID, $r: PartnerRole) { invitePartnerMember(partnerId: $p, email: $e, managedMemberId: $m, role: $r) { id status managedMember { id displayName } } }`;
const RESPOND = `mutation($id: ID!, $a: Boolean!) { respondToInvitation(id: $id, accept: $a) { status } }`;
const SIGN_UP = `mutation($i: SignUpInput!) { signUp(input: $i) { token user { id displayName managed email partners { id } } } }`;
const LOG_IN = `mutation($i: LogInInput!) { logIn(input: $i) { user { id } } }`;
const LOG_FOR = `mutation($i: LogServiceInput!) { logService(input: $i) { id status volunteer { id } loggedBy { id } history { by { id } } } }`;
const MEMBERS = `query($p: ID!) { partner(id: $p) { members { role user { id displayName managed } } } }`;

/** The log input of `minutes` starting at `start`, for the volunteer (default: the caller). */
const logInput = (communityId: string, partnerId: string | null, start: Date, minutes: number, volunteerId?: string, description = '入户走访') => ({
  i: { communityId, partnerId, volunteerId, startedAt: iso(start), endedAt: iso(new Date(start.getTime() + minutes * 60_000)), description },
});

/** GET with an optional bearer token, the body as raw bytes. */
function get(path: string, token?: string) {
  const req = request(app.server).get(path);
  if (token) req.set('authorization', `Bearer ${token}`);
  return req.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });
}
const errorOf = (body: Buffer) => JSON.parse(body.toString('utf8')).errors[0];
const csvRows = (body: Buffer): Promise<string[][]> =>
  new Promise((resolve, reject) => parse(body.toString('utf8'), { bom: true }, (error, rows: string[][]) => (error ? reject(error) : resolve(rows))));

/**
 * A community with its secretary; a department (its owner, a plain member who signed up) and a
 * charity (its owner and a member), both ACTIVE there.
 */
async function scene() {
  const { communityId, secretary } = await communityWithSecretary(app, { timezone: 'Asia/Shanghai' });
  const department = await activePartner(app, communityId, secretary, 'DEPARTMENT');
  const member = await signUp(app, unique('科员'));
  await joinPartner(app, department.owner.token, department.partnerId, member);
  const charity = await activePartner(app, communityId, secretary, 'CHARITY');
  const outsider = await signUp(app, unique('社工'));
  await joinPartner(app, charity.owner.token, charity.partnerId, outsider);
  return { communityId, secretary, department, member, charity, outsider };
}

async function addManaged(owner: Account, partnerId: string, name = unique('王师傅')): Promise<string> {
  return (await app.gqlOk(ADD_MANAGED, { p: partnerId, n: name }, owner.token)).addManagedMember.user.id as string;
}

describe('addManagedMember', () => {
  it('registers a member without e-mail or password: listed as managed, never able to log in, names free to repeat', async () => {
    const s = await scene();
    const added = (await app.gqlOk(ADD_MANAGED, { p: s.department.partnerId, n: '  王师傅  ' }, s.department.owner.token)).addManagedMember;
    expect(added.role).toBe('MEMBER');
    expect(added.user).toEqual({ id: expect.any(String), displayName: '王师傅', email: null, managed: true });
    const [row] = await app.db.query(`SELECT email, password_hash, managed_by_partner_id FROM app_user WHERE id = $1`, [added.user.id]);
    expect(row).toEqual({ email: null, password_hash: null, managed_by_partner_id: s.department.partnerId });
    // Two staff of the same name: NULL e-mails never collide.
    const twin = (await app.gqlOk(ADD_MANAGED, { p: s.department.partnerId, n: '王师傅' }, s.department.owner.token)).addManagedMember.user.id;
    expect(twin).not.toBe(added.user.id);
    const members = (await app.gqlOk(MEMBERS, { p: s.department.partnerId }, s.member.token)).partner.members;
    expect(members.filter((m: any) => m.user.managed).map((m: any) => m.user.displayName)).toEqual(['王师傅', '王师傅']);
    expect(members.find((m: any) => m.user.id === s.member.id).user.managed).toBe(false);
    // Nothing to log in with: neither the name nor an empty e-mail opens the account.
    for (const [email, code] of [['王师傅', 'UNAUTHENTICATED'], ['null', 'UNAUTHENTICATED'], ['', 'BAD_USER_INPUT']]) {
      expect({ email, code: errorCode(await app.gql(LOG_IN, { i: { email, password: PASSWORD } })) }).toEqual({ email, code });
    }
  });

  it('refuses a blank or too long name, and anyone but the owner, changing nothing', async () => {
    const s = await scene();
    const before = await count(app.db, 'app_user');
    for (const name of ['   ', '长'.repeat(101)]) {
      const res = await app.gql(ADD_MANAGED, { p: s.department.partnerId, n: name }, s.department.owner.token);
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'displayName' })]);
    }
    for (const token of [s.member.token, s.charity.owner.token, s.secretary.token]) {
      expect(errorCode(await app.gql(ADD_MANAGED, { p: s.department.partnerId, n: '李阿姨' }, token))).toBe('FORBIDDEN');
    }
    expect(errorCode(await app.gql(ADD_MANAGED, { p: s.department.partnerId, n: '李阿姨' }))).toBe('UNAUTHENTICATED');
    expect(await count(app.db, 'app_user')).toBe(before);
    expect(await count(app.db, 'partner_member', 'partner_id = $1', [s.department.partnerId])).toBe(2);
  });
});

describe('an owner logs hours for members', () => {
  it('logs for a managed member and for a plain member; the member’s overlap rule holds; the secretary verifies as before', async () => {
    const s = await scene();
    const managed = await addManaged(s.department.owner, s.department.partnerId);
    const start = minutesAgo(600);
    const logged = (await app.gqlOk(LOG_FOR, logInput(s.communityId, s.department.partnerId, start, 90, managed), s.department.owner.token)).logService;
    expect(logged).toMatchObject({ status: 'PENDING', volunteer: { id: managed }, loggedBy: { id: s.department.owner.id }, history: [{ by: { id: s.department.owner.id } }] });
    // The owner's own time is theirs: the same hours for themselves do not overlap the member's.
    const own = (await app.gqlOk(LOG_FOR, logInput(s.communityId, s.department.partnerId, start, 90), s.department.owner.token)).logService;
    expect(own).toMatchObject({ volunteer: { id: s.department.owner.id }, loggedBy: null });
    // A plain member who signed up: the owner logs for them too; they can read it.
    const forMember = (await app.gqlOk(LOG_FOR, logInput(s.communityId, s.department.partnerId, start, 30, s.member.id), s.department.owner.token)).logService;
    const seen = await app.gqlOk(`query($id: ID!) { serviceLog(id: $id) { volunteer { id } loggedBy { id } } }`, { id: forMember.id }, s.member.token);
    expect(seen.serviceLog).toEqual({ volunteer: { id: s.member.id }, loggedBy: { id: s.department.owner.id } });

    // The managed member cannot have two overlapping logs, whoever logs them.
    const before = await count(app.db, 'service_log');
    const overlapping = await app.gql(LOG_FOR, logInput(s.communityId, s.department.partnerId, new Date(start.getTime() + 30 * 60_000), 60, managed), s.department.owner.token);
    expect(errorCode(overlapping)).toBe('CONFLICT');
    expect(overlapping.errors![0].extensions.overlapping).toMatchObject({ id: logged.id });
    expect(await count(app.db, 'service_log')).toBe(before);

    const verified = await decide(app, s.secretary.token, logged.id);
    expect(verified.status).toBe('VERIFIED');
    // Rejected, the hours are free again for a corrected log.
    await decide(app, s.secretary.token, forMember.id, 'REJECT');
    await app.gqlOk(LOG_FOR, logInput(s.communityId, s.department.partnerId, start, 45, s.member.id), s.department.owner.token);
  });

  it('refuses members of other partners, non-owners and a volunteer without a partner, changing nothing', async () => {
    const s = await scene();
    const managed = await addManaged(s.department.owner, s.department.partnerId);
    const otherManaged = await addManaged(s.charity.owner, s.charity.partnerId);
    const start = minutesAgo(300);
    const before = await count(app.db, 'service_log');
    const refusals: [string, Record<string, unknown>, string, string?][] = [
      // A member of another partner, under the owner's partner: FORBIDDEN.
      [s.department.owner.token, logInput(s.communityId, s.department.partnerId, start, 30, s.outsider.id), 'FORBIDDEN'],
      [s.department.owner.token, logInput(s.communityId, s.department.partnerId, start, 30, otherManaged), 'FORBIDDEN'],
      // Under the other partner, which the owner does not own.
      [s.department.owner.token, logInput(s.communityId, s.charity.partnerId, start, 30, otherManaged), 'FORBIDDEN'],
      // A plain member names a volunteer, even themselves: owners only.
      [s.member.token, logInput(s.communityId, s.department.partnerId, start, 30, managed), 'FORBIDDEN'],
      [s.member.token, logInput(s.communityId, s.department.partnerId, start, 30, s.member.id), 'FORBIDDEN'],
      // The secretary is no owner either.
      [s.secretary.token, logInput(s.communityId, s.department.partnerId, start, 30, managed), 'FORBIDDEN'],
      // Service for a member is service for a partner.
      [s.department.owner.token, logInput(s.communityId, null, start, 30, managed), 'BAD_USER_INPUT', 'input.partnerId'],
      [s.department.owner.token, logInput(s.communityId, s.department.partnerId, start, 30, '00000000-0000-4000-8000-000000000000'), 'NOT_FOUND', 'input.volunteerId'],
    ];
    for (const [token, variables, code, field] of refusals) {
      const res = await app.gql(LOG_SERVICE, variables, token);
      expect({ variables, code: errorCode(res) }).toEqual({ variables, code });
      if (field) expect(res.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: field })]);
    }
    expect(errorCode(await app.gql(LOG_SERVICE, logInput(s.communityId, s.department.partnerId, start, 30, managed)))).toBe('UNAUTHENTICATED');
    expect(await count(app.db, 'service_log')).toBe(before);
  });

  it('lets nobody verify a log they logged for someone else', async () => {
    const s = await scene();
    // The department's owner is also a secretary of the community.
    await app.gqlOk(`mutation($c: ID!, $u: ID!) { appointSecretary(communityId: $c, userId: $u) { id } }`, { c: s.communityId, u: s.department.owner.id }, await app.adminToken());
    const managed = await addManaged(s.department.owner, s.department.partnerId);
    const id = await loggedService(app, s.department.owner.token, { communityId: s.communityId, partnerId: s.department.partnerId, start: minutesAgo(200), minutes: 60 });
    const forManaged = (await app.gqlOk(LOG_FOR, logInput(s.communityId, s.department.partnerId, minutesAgo(400), 60, managed), s.department.owner.token)).logService.id;
    for (const logId of [id, forManaged]) {
      const res = await app.gql(`mutation($id: ID!) { verifyServiceLog(id: $id, decision: APPROVE) { id } }`, { id: logId }, s.department.owner.token);
      expect(errorCode(res)).toBe('FORBIDDEN');
    }
    expect(await count(app.db, 'service_log', `id = ANY($1) AND status = 'PENDING'`, [[id, forManaged]])).toBe(2);
    expect((await decide(app, s.secretary.token, forManaged)).status).toBe('VERIFIED');
  });
});

describe("the partner's own CSV export", () => {
  it('gives the owner every log of the partner, in every community, and nothing of other partners', async () => {
    const s = await scene();
    const managed = await addManaged(s.department.owner, s.department.partnerId, '张师傅');
    // A second community where the department is active too.
    const elsewhere = await communityWithSecretary(app, { timezone: 'Asia/Shanghai' });
    const partnership = (await app.gqlOk(`mutation($p: ID!, $c: ID!) { requestPartnership(partnerId: $p, communityId: $c) { id } }`, { p: s.department.partnerId, c: elsewhere.communityId }, s.department.owner.token)).requestPartnership.id;
    await app.gqlOk(`mutation($id: ID!) { reviewPartnership(id: $id, decision: APPROVE) { id } }`, { id: partnership }, elsewhere.secretary.token);

    const ours = [
      (await app.gqlOk(LOG_FOR, logInput(s.communityId, s.department.partnerId, minutesAgo(3000), 60, managed, '=助老服务'), s.department.owner.token)).logService.id,
      (await app.gqlOk(LOG_FOR, logInput(elsewhere.communityId, s.department.partnerId, minutesAgo(1500), 30, managed), s.department.owner.token)).logService.id,
      await loggedService(app, s.member.token, { communityId: s.communityId, partnerId: s.department.partnerId, start: minutesAgo(100), minutes: 20 }),
    ];
    await decide(app, s.secretary.token, ours[0]);
    // Not the department's: the member's own service, the charity's logs in the same community.
    await loggedService(app, s.member.token, { communityId: s.communityId, start: minutesAgo(500), minutes: 20 });
    await loggedService(app, s.outsider.token, { communityId: s.communityId, partnerId: s.charity.partnerId, start: minutesAgo(100), minutes: 20 });

    const res = await get(`/exports/service-logs.csv?partnerId=${s.department.partnerId}`, s.department.owner.token);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const [header, ...rows] = await csvRows(res.body as Buffer);
    expect(header[4]).toBe('开始时间 Started (Asia/Shanghai)');
    expect(rows.map((r) => r[0]).sort()).toEqual([...ours].sort());
    const first = rows.find((r) => r[0] === ours[0])!;
    expect(first.slice(2, 4)).toEqual(['张师傅', expect.any(String)]);
    expect(first[7]).toBe("'=助老服务");
    expect(first[8]).toBe('已核验 VERIFIED');
    expect(first[4]).toBe(DateTime.fromJSDate(minutesAgo(3000)).setZone('Asia/Shanghai').toFormat('yyyy-MM-dd HH:mm'));
    // Local dates of the period, each log in its community's zone.
    const day = DateTime.fromJSDate(minutesAgo(100)).setZone('Asia/Shanghai').toISODate();
    const today = await csvRows((await get(`/exports/service-logs.csv?partnerId=${s.department.partnerId}&from=${day}&to=${day}`, s.department.owner.token)).body as Buffer);
    const expectedToday = (await app.db.query(
      `SELECT s.id FROM service_log s JOIN community c ON c.id = s.community_id WHERE s.partner_id = $1 AND (s.started_at AT TIME ZONE c.timezone)::date = $2`,
      [s.department.partnerId, day],
    )).map((r: { id: string }) => r.id);
    expect(today.slice(1).map((r) => r[0]).sort()).toEqual(expectedToday.sort());
    expect(expectedToday).toContain(ours[2]);

    const asAdmin = await get(`/exports/service-logs.csv?partnerId=${s.department.partnerId}`, await app.adminToken());
    expect(asAdmin.status).toBe(200);
  });

  it('is refused to plain members, other owners, secretaries and bad parameters', async () => {
    const s = await scene();
    const path = `/exports/service-logs.csv?partnerId=${s.department.partnerId}`;
    const cases: [string, string | undefined, number, string, string?][] = [
      [path, undefined, 401, 'UNAUTHENTICATED'],
      [path, s.member.token, 403, 'FORBIDDEN'],
      [path, s.charity.owner.token, 403, 'FORBIDDEN'],
      [path, s.secretary.token, 403, 'FORBIDDEN'],
      [`${path}&communityId=${s.communityId}`, s.department.owner.token, 400, 'BAD_USER_INPUT', 'partnerId'],
      [`${path}&partnerId=${s.department.partnerId}`, s.department.owner.token, 400, 'BAD_USER_INPUT', 'partnerId'],
      [`/exports/service-logs.csv?partnerId=00000000-0000-4000-8000-000000000000`, s.department.owner.token, 404, 'NOT_FOUND', 'partnerId'],
      [`/exports/service-logs.csv?partnerId=not-an-id`, s.department.owner.token, 404, 'NOT_FOUND', 'partnerId'],
    ];
    for (const [url, token, status, code, field] of cases) {
      const res = await get(url, token);
      expect([url, res.status]).toEqual([url, status]);
      const error = errorOf(res.body as Buffer);
      expect(error.extensions.code).toBe(code);
      if (field) expect(error.extensions.fields).toEqual([expect.objectContaining({ path: field })]);
    }
    // The community export stays the secretaries'.
    expect((await get(`/exports/service-logs.csv?communityId=${s.communityId}`, s.department.owner.token)).status).toBe(403);
  });
});

describe("members' certificates for owners", () => {
  it("shows the owner a member's verified service for the partner, and no one else's", async () => {
    const s = await scene();
    const managed = await addManaged(s.department.owner, s.department.partnerId, '赵师傅');
    const forPartner = (await app.gqlOk(LOG_FOR, logInput(s.communityId, s.department.partnerId, minutesAgo(900), 75, managed, '政策宣讲'), s.department.owner.token)).logService.id;
    await decide(app, s.secretary.token, forPartner);
    const memberForPartner = await loggedService(app, s.member.token, { communityId: s.communityId, partnerId: s.department.partnerId, start: minutesAgo(900), minutes: 30, description: '帮办代办' });
    const memberAlone = await loggedService(app, s.member.token, { communityId: s.communityId, start: minutesAgo(600), minutes: 30, description: '个人志愿服务' });
    await decide(app, s.secretary.token, memberForPartner);
    await decide(app, s.secretary.token, memberAlone);

    const page = (volunteerId: string, token?: string, query = '') => get(`/certificates/service/${volunteerId}${query}`, token);
    const managedPage = await page(managed, s.department.owner.token);
    expect(managedPage.status).toBe(200);
    const html = (managedPage.body as Buffer).toString('utf8');
    expect(html).toContain('赵师傅');
    expect(html).toContain('政策宣讲');
    expect(html).toContain('1 小时 15 分钟');
    expect(html).toContain('本证明仅包含为');

    const memberHtml = ((await page(s.member.id, s.department.owner.token, `?partnerId=${s.department.partnerId}`)).body as Buffer).toString('utf8');
    expect(memberHtml).toContain('帮办代办');
    expect(memberHtml).not.toContain('个人志愿服务');
    // The member sees all of their own.
    const ownHtml = ((await page(s.member.id, s.member.token)).body as Buffer).toString('utf8');
    expect(ownHtml).toContain('个人志愿服务');

    const refused: [string, string | undefined, string, number][] = [
      [managed, s.member.token, '', 403],
      [managed, s.charity.owner.token, '', 403],
      [managed, s.department.owner.token, `?partnerId=${s.charity.partnerId}`, 403],
      [s.outsider.id, s.department.owner.token, `?partnerId=${s.department.partnerId}`, 403],
      [managed, s.department.owner.token, '?partnerId=not-an-id', 404],
      [managed, undefined, '', 401],
    ];
    for (const [volunteer, token, query, status] of refused) {
      const res = await page(volunteer, token, query);
      expect([volunteer, query, res.status]).toEqual([volunteer, query, status]);
    }
  });
});

describe('taking over a managed account', () => {
  it('signing up with the invited e-mail makes the managed member, logs and membership included, the new account', async () => {
    const s = await scene();
    const managed = await addManaged(s.department.owner, s.department.partnerId, '孙师傅');
    const logId = (await app.gqlOk(LOG_FOR, logInput(s.communityId, s.department.partnerId, minutesAgo(700), 60, managed), s.department.owner.token)).logService.id;
    await decide(app, s.secretary.token, logId);
    const pending = (await app.gqlOk(LOG_FOR, logInput(s.communityId, s.department.partnerId, minutesAgo(300), 30, managed), s.department.owner.token)).logService.id;

    // A typo first, then the right address: the later invitation replaces the earlier one.
    const typo = (await app.gqlOk(INVITE, { p: s.department.partnerId, e: `${unique('sun')}@example.com`, m: managed }, s.department.owner.token)).invitePartnerMember;
    const email = `${unique('sun')}@example.com`;
    const invitation = (await app.gqlOk(INVITE, { p: s.department.partnerId, e: email, m: managed }, s.department.owner.token)).invitePartnerMember;
    expect(invitation).toMatchObject({ status: 'PENDING', managedMember: { id: managed, displayName: '孙师傅' } });
    expect((await app.db.query(`SELECT status FROM partner_invitation WHERE id = $1`, [typo.id]))[0].status).toBe('REVOKED');
    const users = await count(app.db, 'app_user');

    const signedUp = (await app.gqlOk(SIGN_UP, { i: { email, password: PASSWORD, displayName: '孙建国' } })).signUp;
    expect(signedUp.user).toEqual({ id: managed, displayName: '孙建国', managed: false, email, partners: [{ id: s.department.partnerId }] });
    expect(await count(app.db, 'app_user')).toBe(users);
    expect((await app.db.query(`SELECT status FROM partner_invitation WHERE id = $1`, [invitation.id]))[0].status).toBe('ACCEPTED');
    expect((await app.gqlOk(LOG_IN, { i: { email, password: PASSWORD } })).logIn.user.id).toBe(managed);

    // Their logs are theirs: listed, certified, and still under the overlap rule.
    const mine = await app.gqlOk(`{ serviceLogs { edges { node { id status } } } }`, {}, signedUp.token);
    expect(mine.serviceLogs.edges.map((e: any) => e.node.id).sort()).toEqual([logId, pending].sort());
    const certificate = await get(`/certificates/service/${managed}`, signedUp.token);
    expect(certificate.status).toBe(200);
    expect((certificate.body as Buffer).toString('utf8')).toContain('孙建国');
    const overlapping = await app.gql(LOG_SERVICE, logInput(s.communityId, null, minutesAgo(690), 20), signedUp.token);
    expect(errorCode(overlapping)).toBe('CONFLICT');
    // Now a plain member: the owner still logs for them, they log for themselves.
    await loggedService(app, signedUp.token, { communityId: s.communityId, partnerId: s.department.partnerId, start: minutesAgo(60), minutes: 15 });
    const members = (await app.gqlOk(MEMBERS, { p: s.department.partnerId }, s.member.token)).partner.members;
    expect(members.find((m: any) => m.user.id === managed)).toEqual({ role: 'MEMBER', user: { id: managed, displayName: '孙建国', managed: false } });
  });

  it('an invitation to an e-mail that has an account already cannot take a managed member over: declining changes nothing', async () => {
    const s = await scene();
    const managed = await addManaged(s.department.owner, s.department.partnerId);
    const holder = await signUp(app, unique('已有账号'));
    const invitation = (await app.gqlOk(INVITE, { p: s.department.partnerId, e: holder.email, m: managed }, s.department.owner.token)).invitePartnerMember;
    const seen = await app.gqlOk(`{ me { invitations { id managedMember { id } } } }`, {}, holder.token);
    expect(seen.me.invitations).toEqual([{ id: invitation.id, managedMember: { id: managed } }]);
    const accepted = await app.gql(RESPOND, { id: invitation.id, a: true }, holder.token);
    expect(errorCode(accepted)).toBe('INVALID_STATE');
    expect(await count(app.db, 'partner_member', 'user_id = $1', [holder.id])).toBe(0);
    expect((await app.db.query(`SELECT managed_by_partner_id FROM app_user WHERE id = $1`, [managed]))[0].managed_by_partner_id).toBe(s.department.partnerId);
    expect((await app.gqlOk(RESPOND, { id: invitation.id, a: false }, holder.token)).respondToInvitation.status).toBe('DECLINED');
    // Signing up with an e-mail that has an account is refused as before, managed invitation or not.
    const again = await app.gql(SIGN_UP, { i: { email: holder.email, password: PASSWORD, displayName: '冒名' } });
    expect(errorCode(again)).toBe('CONFLICT');
  });

  it('names only a managed member of the inviting partner, and only its owner invites', async () => {
    const s = await scene();
    const managed = await addManaged(s.department.owner, s.department.partnerId);
    const otherManaged = await addManaged(s.charity.owner, s.charity.partnerId);
    const before = await count(app.db, 'partner_invitation');
    for (const m of [s.member.id, otherManaged, 'not-an-id']) {
      const res = await app.gql(INVITE, { p: s.department.partnerId, e: `${unique('x')}@example.com`, m }, s.department.owner.token);
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'managedMemberId' })]);
    }
    expect(errorCode(await app.gql(INVITE, { p: s.department.partnerId, e: `${unique('x')}@example.com`, m: managed }, s.member.token))).toBe('FORBIDDEN');
    expect(await count(app.db, 'partner_invitation')).toBe(before);
  });
});
