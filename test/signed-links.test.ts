import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { ConfigError, loadConfig } from '../src/config';
import { count, errorCode, startTestApp, type TestApp } from './support/app';
import { activePartner, communityWithSecretary, signUp, unique, type Account } from './support/fixtures';
import { until } from './support/live';
import { addMember, decide, loggedService, minutesAgo } from './support/service-hours';
import { APPOINT_SECRETARY } from './support/documents';

/** Every JSON line the app logs, raw and parsed. */
const raw: string[] = [];
const lines: Record<string, any>[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split('\n')) if (line.trim()) (raw.push(line), lines.push(JSON.parse(line)));
    done();
  },
});

const CERTIFICATE_LINK = `mutation($v: ID!, $from: LocalDate, $to: LocalDate, $p: ID, $d: Int) {
  createCertificateLink(volunteerId: $v, from: $from, to: $to, partnerId: $p, validDays: $d) { id purpose url createdAt expiresAt revokedAt } }`;
const BOARD_LINK = `mutation($c: ID!, $d: Int) { createBoardLink(communityId: $c, validDays: $d) { id purpose url createdAt expiresAt revokedAt } }`;
const REVOKE = `mutation($id: ID!) { revokeSignedLink(id: $id) { id url revokedAt } }`;

let app: TestApp;
let volunteer: Account;
let stranger: Account;
let a: { communityId: string; secretary: Account };
let b: { communityId: string; secretary: Account };
let partner: { owner: Account; partnerId: string };

beforeAll(async () => {
  app = await startTestApp({ log: pino({ level: 'info' }, sink) });
  a = await communityWithSecretary(app, { name: '江畔家园' });
  b = await communityWithSecretary(app, { name: '梅园新村' });
  volunteer = await signUp(app, '王&志愿者');
  stranger = await signUp(app);
  partner = await activePartner(app, a.communityId, a.secretary);
  await addMember(app, partner.owner.token, partner.partnerId, volunteer);
  const logs: [typeof a, number, string, string | undefined][] = [
    [a, 60, '整理社区图书角', undefined],
    [a, 45, '为合伙人搬运物资', partner.partnerId],
    [b, 90, '就业指导讲座', undefined],
  ];
  for (const [i, [community, minutes, description, partnerId]] of logs.entries()) {
    const id = await loggedService(app, volunteer.token, { communityId: community.communityId, partnerId, start: minutesAgo(5000 - i * 500), minutes, description });
    await decide(app, community.secretary.token, id, 'APPROVE');
  }
});
afterAll(() => app.close());

/** The path of a link's URL (the test server listens elsewhere than PUBLIC_URL). */
const pathOf = (url: string) => new URL(url).pathname;
const open = (url: string, requestId = unique('req')) => request(app.server).get(pathOf(url)).set('x-request-id', requestId);
const links = () => count(app.db, 'signed_link');

/** Every absolute URL in a page: none may point at another host. */
const foreignUrls = (html: string) => [...html.matchAll(/(?:https?:)?\/\/[^\s"'<>)]+/g)].map((m) => m[0]).filter((u) => !u.startsWith(app.config.publicUrl) && !u.startsWith('http://www.w3.org/'));

async function certificateLink(token: string, vars: Record<string, unknown> = {}) {
  const res = await app.gql(CERTIFICATE_LINK, { v: volunteer.id, ...vars }, token);
  expect(res.errors).toBeUndefined();
  return res.data.createCertificateLink as { id: string; url: string; expiresAt: string; createdAt: string };
}

describe('certificate links', () => {
  it('the volunteer links their certificate: a Chinese printable page, valid 7 days by default, no external host', async () => {
    const link = await certificateLink(volunteer.token);
    expect(link.url).toMatch(new RegExp(`^${app.config.publicUrl}/p/[A-Za-z0-9_-]{43}$`));
    expect(new Date(link.expiresAt).getTime() - new Date(link.createdAt).getTime()).toBe(7 * 86_400_000);
    const res = await open(link.url);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.text).toContain('志愿服务时长证明');
    expect(res.text).toContain('王&amp;志愿者');
    expect(res.text).toContain('整理社区图书角');
    expect(res.text).toContain('就业指导讲座');
    expect(res.text).toContain('3</strong> 次');
    expect(res.text).toContain('<meta name="viewport"');
    expect(res.text).toContain('@media print');
    expect(res.text).toContain('size: A4');
    expect(res.text).not.toContain('<script');
    expect(foreignUrls(res.text)).toEqual([]);
  });

  it('writes the open period in proper Chinese (no "于 全部期间 期间")', async () => {
    const open_ = await open((await certificateLink(volunteer.token)).url);
    expect(open_.text).not.toContain('全部期间');
    expect(open_.text).toMatch(/<strong>王&amp;志愿者<\/strong> 截至 \d{4}年\d{1,2}月\d{1,2}日参加社区志愿服务/);
    const bounded = await open((await certificateLink(volunteer.token, { from: '2026-01-01', to: '2026-06-30' })).url);
    expect(bounded.text).toContain('于 2026年1月1日 至 2026年6月30日 期间参加社区志愿服务');
    const from = await open((await certificateLink(volunteer.token, { from: '2026-01-01' })).url);
    expect(from.text).toMatch(/自 2026年1月1日 至 \d{4}年\d{1,2}月\d{1,2}日参加社区志愿服务/);
  });

  it('a secretary links only their community’s logs; a partner owner only their partner’s; admins everything', async () => {
    const asSecretary = (await open((await certificateLink(a.secretary.token)).url)).text;
    expect(asSecretary).toContain('整理社区图书角');
    expect(asSecretary).not.toContain('就业指导讲座');
    expect(asSecretary).toContain('本证明仅包含以下社区核验的记录：江畔家园');
    const asOwner = (await open((await certificateLink(partner.owner.token)).url)).text;
    expect(asOwner).toContain('为合伙人搬运物资');
    expect(asOwner).not.toContain('整理社区图书角');
    expect(asOwner).toContain('本证明仅包含为');
    const asOwnerNamed = (await open((await certificateLink(partner.owner.token, { p: partner.partnerId })).url)).text;
    expect(asOwnerNamed).toContain('为合伙人搬运物资');
    expect(asOwnerNamed).not.toContain('就业指导讲座');
    // An owner who is also secretary of a community the volunteer never served still links as the owner.
    const elsewhere = await communityWithSecretary(app);
    const appointed = await app.gql(APPOINT_SECRETARY, { c: elsewhere.communityId, u: partner.owner.id }, await app.adminToken());
    expect(appointed.errors).toBeUndefined();
    const asOwnerAndSecretary = (await open((await certificateLink(partner.owner.token)).url)).text;
    expect(asOwnerAndSecretary).toContain('为合伙人搬运物资');
    expect(asOwnerAndSecretary).not.toContain('整理社区图书角');
    const asAdmin = (await open((await certificateLink(await app.adminToken())).url)).text;
    expect(asAdmin).toContain('就业指导讲座');
    expect(asAdmin).not.toContain('本证明仅包含');
  });

  it('refuses anonymous callers, strangers, other communities’ secretaries and other partners’ owners, creating nothing', async () => {
    const before = await links();
    const other = await communityWithSecretary(app);
    const otherPartner = await activePartner(app, other.communityId, other.secretary);
    expect(errorCode(await app.gql(CERTIFICATE_LINK, { v: volunteer.id }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await app.gql(CERTIFICATE_LINK, { v: volunteer.id }, stranger.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(CERTIFICATE_LINK, { v: volunteer.id }, other.secretary.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(CERTIFICATE_LINK, { v: volunteer.id }, otherPartner.owner.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(CERTIFICATE_LINK, { v: volunteer.id, p: otherPartner.partnerId }, otherPartner.owner.token))).toBe('FORBIDDEN');
    // A member of the partner who is not its owner cannot pose as it.
    expect(errorCode(await app.gql(CERTIFICATE_LINK, { v: stranger.id, p: partner.partnerId }, volunteer.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(CERTIFICATE_LINK, { v: volunteer.id, d: 91 }, volunteer.token))).toBe('BAD_USER_INPUT');
    expect(errorCode(await app.gql(CERTIFICATE_LINK, { v: volunteer.id, d: 0 }, volunteer.token))).toBe('BAD_USER_INPUT');
    expect(errorCode(await app.gql(CERTIFICATE_LINK, { v: volunteer.id, from: '2026-06-01', to: '2026-01-01' }, volunteer.token))).toBe('BAD_USER_INPUT');
    expect(errorCode(await app.gql(CERTIFICATE_LINK, { v: '00000000-0000-4000-8000-000000000000' }, await app.adminToken()))).toBe('NOT_FOUND');
    expect(await links()).toBe(before);
  });
});

describe('board links', () => {
  it('a secretary links the public board: 30 days by default, with a QR code of its own link, no script, no external host', async () => {
    const posted = await app.gql(
      `mutation($i: PostDemandInput!) { postDemand(input: $i) { id } }`,
      { i: { communityId: a.communityId, title: '儿童绘本<100本>', category: 'GOODS', quantity: 100, unit: '本', urgency: 'URGENT' } },
      a.secretary.token,
    );
    expect(posted.errors).toBeUndefined();
    const res = await app.gql(BOARD_LINK, { c: a.communityId }, a.secretary.token);
    expect(res.errors).toBeUndefined();
    const link = res.data.createBoardLink;
    expect(link.purpose).toBe('PUBLIC_BOARD');
    expect(new Date(link.expiresAt).getTime() - new Date(link.createdAt).getTime()).toBe(30 * 86_400_000);
    const page = await open(link.url);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('江畔家园');
    expect(page.text).toContain('社区公告栏');
    expect(page.text).toContain('儿童绘本&lt;100本&gt;');
    expect(page.text).toContain('特急');
    expect(page.text).toMatch(/<svg[^>]*>[\s\S]*<path/);
    expect(page.text).toContain('扫码查看最新公告');
    expect(page.text).toContain(link.url);
    expect(page.text).not.toContain('<script');
    expect(page.text).toContain('@media print');
    expect(foreignUrls(page.text)).toEqual([]);
  });

  it('refuses anonymous callers and others than the community’s secretaries, creating nothing', async () => {
    const before = await links();
    expect(errorCode(await app.gql(BOARD_LINK, { c: a.communityId }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await app.gql(BOARD_LINK, { c: a.communityId }, stranger.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(BOARD_LINK, { c: a.communityId }, b.secretary.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(BOARD_LINK, { c: a.communityId, d: 367 }, a.secretary.token))).toBe('BAD_USER_INPUT');
    expect(await links()).toBe(before);
    expect((await app.gql(BOARD_LINK, { c: a.communityId, d: 366 }, await app.adminToken())).errors).toBeUndefined();
  });
});

describe('expiry, revocation and forged tokens', () => {
  it('an expired link answers a Chinese 410 page, never the content', async () => {
    const link = await certificateLink(volunteer.token);
    expect((await open(link.url)).status).toBe(200);
    await app.db.query(`UPDATE signed_link SET created_at = now() - interval '8 days', expires_at = now() - interval '1 second' WHERE id = $1`, [link.id]);
    const res = await open(link.url);
    expect(res.status).toBe(410);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toContain('链接已过期');
    expect(res.text).not.toContain('整理社区图书角');
    expect(res.text).not.toContain('王&amp;志愿者');
  });

  it('a revoked link answers 410 at once; only its creator or an admin revokes it', async () => {
    const res = await app.gql(BOARD_LINK, { c: b.communityId }, b.secretary.token);
    const link = res.data.createBoardLink;
    expect((await open(link.url)).status).toBe(200);
    expect(errorCode(await app.gql(REVOKE, { id: link.id }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await app.gql(REVOKE, { id: link.id }, stranger.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(REVOKE, { id: link.id }, a.secretary.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(REVOKE, { id: '00000000-0000-4000-8000-000000000000' }, b.secretary.token))).toBe('NOT_FOUND');
    expect(await count(app.db, 'signed_link', 'id = $1 AND revoked_at IS NOT NULL', [link.id])).toBe(0);
    const revoked = await app.gql(REVOKE, { id: link.id }, b.secretary.token);
    expect(revoked.errors).toBeUndefined();
    expect(revoked.data.revokeSignedLink.revokedAt).toBeTruthy();
    expect(revoked.data.revokeSignedLink.url).toBeNull();
    const page = await open(link.url);
    expect(page.status).toBe(410);
    expect(page.text).toContain('链接已撤销');
    expect(page.text).not.toContain('梅园新村');
    // Admins revoke anyone's link.
    const other = await certificateLink(volunteer.token);
    expect((await app.gql(REVOKE, { id: other.id }, await app.adminToken())).errors).toBeUndefined();
    expect((await open(other.url)).status).toBe(410);
  });

  it('a forged or mangled token opens nothing (404, in Chinese)', async () => {
    const link = await certificateLink(volunteer.token);
    const token = pathOf(link.url).slice(3);
    const forged = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    for (const path of [`/p/${forged}`, `/p/${'A'.repeat(43)}`, '/p/short', `/p/${token}x`]) {
      const res = await request(app.server).get(path);
      expect(res.status).toBe(404);
      expect(res.text).toContain('链接无效');
      expect(res.text).not.toContain('志愿服务时长证明');
    }
  });

  it('keeps only the token’s hash, and never writes the token to the request log', async () => {
    const link = await certificateLink(volunteer.token);
    const token = pathOf(link.url).slice(3);
    const stored = await app.db.query(`SELECT encode(token_hash, 'hex') AS h FROM signed_link WHERE id = $1`, [link.id]);
    expect(stored[0].h).not.toContain(token);
    const requestId = unique('req-page');
    expect((await open(link.url, requestId)).status).toBe(200);
    const forgedId = unique('req-forged');
    await request(app.server).get(`/p/${'B'.repeat(43)}?x=1`).set('x-request-id', forgedId);
    await until(() => lines.some((l) => l.requestId === requestId) && lines.some((l) => l.requestId === forgedId), 10_000);
    expect(lines.find((l) => l.requestId === requestId)).toMatchObject({ path: '/p/[redacted]', status: 200 });
    expect(lines.find((l) => l.requestId === forgedId)).toMatchObject({ path: '/p/[redacted]', status: 404 });
    // Express routes /P/<token> and /p/<token>/ to the page too.
    const variantIds = [unique('req-upper'), unique('req-slash')];
    await request(app.server).get(`/P/${token}`).set('x-request-id', variantIds[0]);
    await request(app.server).get(`/p/${token}/`).set('x-request-id', variantIds[1]);
    await until(() => variantIds.every((id) => lines.some((l) => l.requestId === id)), 10_000);
    for (const id of variantIds) expect(lines.find((l) => l.requestId === id)?.path).toMatch(/^\/p\/\[redacted\]\/?$/);
    expect(raw.some((l) => l.includes(token))).toBe(false);
    expect(raw.some((l) => l.includes('B'.repeat(43)))).toBe(false);
  });
});

describe('mySignedLinks', () => {
  it('lists the viewer’s links without their URLs', async () => {
    const link = await certificateLink(volunteer.token);
    const res = await app.gql(`query { mySignedLinks(first: 100) { id purpose url expiresAt } }`, {}, volunteer.token);
    expect(res.errors).toBeUndefined();
    const mine = res.data.mySignedLinks as { id: string; url: string | null }[];
    expect(mine.map((l) => l.id)).toContain(link.id);
    expect(mine.every((l) => l.url === null)).toBe(true);
    expect(errorCode(await app.gql(`query { mySignedLinks { id } }`))).toBe('UNAUTHENTICATED');
  });
});

describe('links to what is gone', () => {
  it('a link whose community no longer exists answers the Chinese 404 page, not a server error', async () => {
    const { communityId, secretary } = await communityWithSecretary(app);
    const link = (await app.gql(BOARD_LINK, { c: communityId }, secretary.token)).data.createBoardLink;
    // Point the link at a community that does not exist (as if removed); this file's own database copy.
    await app.db.query(`ALTER TABLE signed_link DROP CONSTRAINT signed_link_community_id_fkey`);
    await app.db.query(`UPDATE signed_link SET community_id = '00000000-0000-4000-8000-000000000000' WHERE id = $1`, [link.id]);
    const res = await open(link.url);
    expect(res.status).toBe(404);
    expect(res.text).toContain('链接无效');
  });
});

describe('configuration', () => {
  it('takes the default validities from the environment, within their bounds', () => {
    const base = { NODE_ENV: 'test' };
    expect(loadConfig(base).signedLinks).toEqual({ certificateDays: 7, boardDays: 30 });
    expect(loadConfig({ ...base, SIGNED_LINK_CERTIFICATE_DAYS: '14', SIGNED_LINK_BOARD_DAYS: '90' }).signedLinks).toEqual({ certificateDays: 14, boardDays: 90 });
    expect(() => loadConfig({ ...base, SIGNED_LINK_CERTIFICATE_DAYS: '91' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, SIGNED_LINK_BOARD_DAYS: '367' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, SIGNED_LINK_BOARD_DAYS: '0' })).toThrow(ConfigError);
  });
});
