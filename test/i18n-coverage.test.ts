import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'csv-parse/sync';
import ical from 'node-ical';
import request from 'supertest';
import { count, PASSWORD, startTestApp, type TestApp } from './support/app';
import { communityWithSecretary, registerPartner, signUp, unique, type Account } from './support/fixtures';
import { decide, loggedService, minutesAgo } from './support/service-hours';
import { book, EVERY_DAY, nextOccurrence, slot, spaceSetup } from './support/spaces';

/*
 * Every kind of text the API writes, in Chinese without Accept-Language and in English with `en`
 * (issue 13): refusals of each domain, class-validator's field messages, operation limits, the CSV
 * export, calendar feeds, the certificate and the pages of signed links.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ language: null });
});
afterAll(() => app.close());

/** A GraphQL request with exactly these headers (no Accept-Language unless given). */
async function gql(query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const req = request(app.server).post('/graphql').set('content-type', 'application/json');
  for (const [k, v] of Object.entries(headers)) req.set(k, v);
  const res = await req.send({ query, variables });
  return { status: res.status, body: res.body as { data?: any; errors?: { message: string; extensions: Record<string, any> }[] }, headers: res.headers };
}
const EN = { 'accept-language': 'en' };
const bearer = (a: Account) => ({ authorization: `Bearer ${a.token}` });

describe('refusals answer in Chinese by default and in English on request', () => {
  it('a wrong password (accounts)', async () => {
    const user = await signUp(app);
    const LOGIN = `mutation($i: LogInInput!) { logIn(input: $i) { token } }`;
    const zh = await gql(LOGIN, { i: { email: user.email, password: `${PASSWORD}-wrong` } });
    expect(zh.body.errors![0]).toMatchObject({ message: '邮箱或密码错误', extensions: { code: 'UNAUTHENTICATED' } });
    const en = await gql(LOGIN, { i: { email: user.email, password: `${PASSWORD}-wrong` } }, EN);
    expect(en.body.errors![0]).toMatchObject({ message: 'Wrong email or password', extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('a weak new password names the field and the reason', async () => {
    const SIGN_UP = `mutation($i: SignUpInput!) { signUp(input: $i) { token } }`;
    const input = { email: `${unique('weak')}@example.com`, password: 'short', displayName: '王阿姨' };
    const zh = await gql(SIGN_UP, { i: input });
    expect(zh.body.errors![0].extensions.fields).toEqual([{ path: 'input.password', message: '至少需要 8 个字符' }]);
    const en = await gql(SIGN_UP, { i: input }, EN);
    expect(en.body.errors![0].extensions.fields).toEqual([{ path: 'input.password', message: 'must be at least 8 characters' }]);
    expect(await count(app.db, 'app_user', 'email = $1', [input.email])).toBe(0);
  });

  it("class-validator's field messages name the field, with the constraint's values", async () => {
    const SIGN_UP = `mutation($i: SignUpInput!) { signUp(input: $i) { token } }`;
    const input = { email: 'not-an-email', password: PASSWORD, displayName: '长'.repeat(101) };
    const zh = await gql(SIGN_UP, { i: input });
    expect(zh.body.errors![0].extensions.code).toBe('BAD_USER_INPUT');
    expect(zh.body.errors![0].extensions.fields).toEqual(
      expect.arrayContaining([
        { path: 'input.email', message: '必须是电子邮箱地址' },
        { path: 'input.displayName', message: '长度必须在 1 到 100 个字符之间' },
      ]),
    );
    expect(zh.body.errors![0].message).toContain('input.displayName：长度必须在 1 到 100 个字符之间');
    const en = await gql(SIGN_UP, { i: input }, EN);
    expect(en.body.errors![0].extensions.fields).toEqual(
      expect.arrayContaining([
        { path: 'input.email', message: 'must be an email address' },
        { path: 'input.displayName', message: 'must be 1 to 100 characters long' },
      ]),
    );
    expect(await count(app.db, 'app_user', 'email = $1', [input.email])).toBe(0);
  });

  it('a query with too many aliases (operation limits)', async () => {
    const query = `{ ${Array.from({ length: 31 }, (_, i) => `m${i}: me { id }`).join(" ")} }`;
    const zh = await gql(query, {});
    expect(zh.body.errors![0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(zh.body.errors![0].message).toBe('此操作包含 31 个别名，最多允许 30 个');
    const en = await gql(query, {}, EN);
    expect(en.body.errors![0].message).toBe('The operation has 31 aliases; at most 30 are accepted');
  });

  it('a request body that is not JSON (before GraphQL)', async () => {
    const send = (headers: Record<string, string>) => request(app.server).post('/graphql').set({ 'content-type': 'application/json', ...headers }).send('{"query": ');
    const zh = await send({});
    expect(zh.status).toBe(400);
    expect(zh.body.errors[0]).toEqual({ message: '请求内容不是有效的 JSON', extensions: { code: 'BAD_REQUEST' } });
    expect((await send(EN)).body.errors[0].message).toBe('The request body is not valid JSON');
  });

  it('an answered invitation (partners)', async () => {
    const owner = await signUp(app);
    const partnerId = await registerPartner(app, owner);
    const invitee = await signUp(app);
    const INVITE = `mutation($p: ID!, $e: String!) { invitePartnerMember(partnerId: $p, email: $e) { id } }`;
    const RESPOND = `mutation($id: ID!, $a: Boolean!) { respondToInvitation(id: $id, accept: $a) { id status } }`;
    const { id } = (await gql(INVITE, { p: partnerId, e: invitee.email }, bearer(owner))).body.data.invitePartnerMember;
    expect((await gql(RESPOND, { id, a: false }, bearer(invitee))).body.data.respondToInvitation.status).toBe('DECLINED');
    const zh = await gql(RESPOND, { id, a: true }, bearer(invitee));
    expect(zh.body.errors![0]).toMatchObject({ message: '该邀请已被谢绝，不再处于待处理状态', extensions: { code: 'INVALID_STATE' } });
    const en = await gql(RESPOND, { id, a: true }, { ...bearer(invitee), ...EN });
    expect(en.body.errors![0].message).toBe('This invitation is DECLINED, no longer PENDING');
    expect(await count(app.db, 'partner_member', 'partner_id = $1 AND user_id = $2', [partnerId, invitee.id])).toBe(0);
  });

  it("revoking someone else's signed link, and opening an unknown one", async () => {
    const volunteer = await signUp(app);
    const stranger = await signUp(app);
    const LINK = `mutation($v: ID!) { createCertificateLink(volunteerId: $v) { id url } }`;
    const REVOKE = `mutation($id: ID!) { revokeSignedLink(id: $id) { id revokedAt } }`;
    const link = (await gql(LINK, { v: volunteer.id }, bearer(volunteer))).body.data.createCertificateLink;
    const zh = await gql(REVOKE, { id: link.id }, bearer(stranger));
    expect(zh.body.errors![0]).toMatchObject({ message: '只有链接的创建者或管理员可以撤销链接', extensions: { code: 'FORBIDDEN' } });
    const en = await gql(REVOKE, { id: link.id }, { ...bearer(stranger), ...EN });
    expect(en.body.errors![0].message).toBe('Only the link’s creator or an admin may revoke it');
    expect(await count(app.db, 'signed_link', 'id = $1 AND revoked_at IS NULL', [link.id])).toBe(1);

    const bogus = `/p/${'A'.repeat(43)}`;
    const pageZh = await request(app.server).get(bogus);
    expect(pageZh.status).toBe(404);
    expect(pageZh.text).toContain('<h1>链接无效</h1>');
    const pageEn = await request(app.server).get(bogus).set(EN);
    expect(pageEn.text).toContain('<html lang="en">');
    expect(pageEn.text).toContain('<h1>Invalid link</h1>');
  });
});

describe('plain routes', () => {
  let secretary: Account;
  let volunteer: Account;
  let communityId: string;
  beforeAll(async () => {
    ({ communityId, secretary } = await communityWithSecretary(app, { name: '江畔家园', timezone: 'Asia/Shanghai' }));
    volunteer = await signUp(app, '李阿姨');
    const id = await loggedService(app, volunteer.token, { communityId, start: minutesAgo(600), minutes: 75, description: '陪老人读报' });
    await decide(app, secretary.token, id, 'APPROVE');
  });

  const csv = (headers: Record<string, string>) => request(app.server).get(`/exports/service-logs.csv?communityId=${communityId}`).set(headers);

  it('writes the CSV header row and statuses in the reader language, the saved one when the request names none', async () => {
    const zh = parse((await csv(bearer(secretary))).text, { bom: true }) as string[][];
    expect(zh[0][0]).toBe('记录编号 Log ID');
    expect(zh[0][4]).toBe('开始时间 Started (Asia/Shanghai)');
    expect(zh[1][8]).toBe('已核验 VERIFIED');
    const en = parse((await csv({ ...bearer(secretary), ...EN })).text, { bom: true }) as string[][];
    expect(en[0]).toEqual([
      'Log ID', 'Community', 'Volunteer', 'Partner', 'Started (Asia/Shanghai)', 'Ended (Asia/Shanghai)', 'Minutes',
      'Description', 'Status', 'Verified by', 'Verified at (Asia/Shanghai)', 'Match ID', 'Contract ID',
    ]);
    expect(en[1][8]).toBe('Verified');
    const saved = await gql(`mutation { setMyLocale(locale: "en") { id } }`, {}, bearer(secretary));
    expect(saved.body.errors).toBeUndefined();
    expect((parse((await csv(bearer(secretary))).text, { bom: true }) as string[][])[0][0]).toBe('Log ID');
    await gql(`mutation { setMyLocale(locale: "zh-CN") { id } }`, {}, bearer(secretary));
  });

  it('refuses a bad export request in the reader language', async () => {
    const zh = await request(app.server).get('/exports/service-logs.csv').set(bearer(secretary));
    expect(zh.status).toBe(400);
    expect(zh.body.errors[0].extensions.fields).toEqual([{ path: 'communityId', message: '为必填项' }]);
    const en = await request(app.server).get('/exports/service-logs.csv').set({ ...bearer(secretary), ...EN });
    expect(en.body.errors[0].extensions.fields).toEqual([{ path: 'communityId', message: 'is required' }]);
  });

  it('writes the certificate page in Chinese by default, in English on request', async () => {
    const page = (headers: Record<string, string> = {}) => request(app.server).get(`/certificates/service/${volunteer.id}`).set({ ...bearer(volunteer), ...headers });
    const zh = (await page()).text;
    expect(zh).toContain('<html lang="zh-CN">');
    expect(zh).toContain('<h1>志愿服务时长证明</h1>');
    expect(zh).toMatch(/兹证明 <strong>李阿姨<\/strong> 截至 \d{4}年\d{1,2}月\d{1,2}日参加社区志愿服务，经所在社区核验的服务共 <strong>1<\/strong> 次，累计 <strong>1 小时 15 分钟<\/strong>（75 分钟）。/);
    expect(zh).toContain('<th>核验社区</th>');
    const en = (await page(EN)).text;
    expect(en).toContain('<html lang="en">');
    expect(en).toContain('<h1>Certificate of volunteer service</h1>');
    expect(en).toMatch(/This certifies that <strong>李阿姨<\/strong> served the community as a volunteer up to [A-Z][a-z]{2} \d{1,2}, \d{4}: <strong>1<\/strong> service verified by its communities, <strong>1 hour 15 minutes<\/strong> in all \(75 minutes\)\./);
    expect(en).toContain('<th>Verifying community</th>');
    expect(en).not.toMatch(/兹证明|核验社区|开具日期/);
  });

  it('titles calendar events in Chinese by default and in English with ?lang=en', async () => {
    const s = await spaceSetup(app, EVERY_DAY.map((d) => slot(d, '19:00', '21:00')));
    const next = await nextOccurrence(app, s.roomId);
    await book(app, s.owner, { roomId: s.roomId, partnerId: s.partnerId, start: next.start, purpose: '私人生日会' });
    const summaries = async (query: string) => {
      const res = await request(app.server).get(`/calendar/rooms/${s.roomId}.ics${query}`);
      expect(res.status).toBe(200);
      return Object.values(ical.sync.parseICS(res.text))
        .filter((e): e is ical.VEvent => e?.type === 'VEVENT')
        .map((e) => e.summary);
    };
    expect(await summaries('')).toEqual(['已预订/Booked']);
    expect(await summaries('?lang=en')).toEqual(['Booked']);
    const missing = await request(app.server).get('/calendar/rooms/00000000-0000-4000-8000-000000000000.ics');
    expect(missing.text).toBe('没有这个活动室');
    expect((await request(app.server).get('/calendar/rooms/00000000-0000-4000-8000-000000000000.ics?lang=en')).text).toBe('No such room');
  });
});

describe('a rate-limit refusal', () => {
  let limited: TestApp;
  beforeAll(async () => {
    // One anonymous request per (long) window: the second and third are refused whatever the machine's speed.
    limited = await startTestApp({ language: null, env: { RATE_LIMIT_PER_MINUTE: '2', RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1', RATE_LIMIT_WINDOW_MS: '600000' } });
  });
  afterAll(() => limited.close());

  it('says how long to wait, in the reader language', async () => {
    const ask = (headers: Record<string, string> = {}) =>
      request(limited.server).post('/graphql').set('content-type', 'application/json').set(headers).send({ query: '{ __typename }' });
    expect((await ask()).status).toBe(200);
    const zh = await ask();
    expect(zh.status).toBe(429);
    expect(zh.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(zh.body.errors[0].message).toMatch(/^请求过于频繁，请在 \d+ 秒后重试$/);
    const en = await ask(EN);
    expect(en.body.errors[0].message).toMatch(/^Too many requests; retry in \d+ s$/);
  });
});

/** Every .ts file under src. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('no English sentence is written into a refusal outside the catalogues', () => {
  const root = join(__dirname, '..', 'src');
  const ERRORS = '(?:AppError|BadUserInput|Conflict|Forbidden|NotFound|InvalidState|Unauthenticated|RateLimited|QueryTooComplex|LoginRateLimited)';
  const patterns = [
    // new ForbiddenError('Only ...'), new AppError('FORBIDDEN', `...`), new ConflictError("...")
    new RegExp(`new ${ERRORS}(?:Error)?\\(\\s*(?:'[A-Z_]+',\\s*)?['"\`][^'"\`]*[a-z]{2,} [a-z]`, 'g'),
    // BadUserInputError.field('path', 'must be ...')
    /BadUserInputError\.field\([^,]+,\s*['"`][^'"`]*[a-z]{2,} [a-z]/g,
    // { path, message: 'must be ...' } built by hand instead of fieldError(path, msg(...))
    /\bmessage:\s*['"`][a-z][^'"`]* [a-z]/g,
    // class-validator decorators with their own English message instead of a catalogue id
    /\{[^}]*\bmessage:\s*'(?![a-zA-Z]+\.[a-zA-Z.]+')[^']*'/g,
  ];

  it('finds none in src (texts go through src/i18n/catalog.*.ts)', () => {
    const found: string[] = [];
    for (const file of sources(root)) {
      if (file.includes(`${join('src', 'i18n')}`)) continue;
      const text = readFileSync(file, 'utf8');
      for (const pattern of patterns) for (const m of text.matchAll(pattern)) found.push(`${relative(root, file)}: ${m[0]}`);
    }
    expect(found).toEqual([]);
  });

  it('would catch one', () => {
    const sample = [
      "throw new ForbiddenError('Only an admin may do this');",
      'throw new AppError(\'FORBIDDEN\', `Nobody verifies ${x}`);',
      "throw BadUserInputError.field('to', 'must be after from');",
      "fields: [{ path: 'x', message: 'the partner has no partnership' }]",
      "@IsUUID('all', { message: 'communityId is not an id' })",
    ];
    for (const line of sample) expect(patterns.some((p) => new RegExp(p.source).test(line))).toBe(true);
    expect(patterns.some((p) => new RegExp(p.source).test("@IsUUID('all', { message: 'field.uuid' })"))).toBe(false);
    expect(patterns.some((p) => new RegExp(p.source).test("throw new ForbiddenError(msg('policy.adminOnly'));"))).toBe(false);
  });
});
