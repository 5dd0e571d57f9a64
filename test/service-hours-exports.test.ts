import { parse } from 'csv-parse';
import { DateTime } from 'luxon';
import request from 'supertest';
import { startTestApp, type TestApp } from './support/app';
import { activePartner, communityWithSecretary, signUp, type Account } from './support/fixtures';
import { addMember, decide, loggedService, minutesAgo } from './support/service-hours';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

/** GET with an optional bearer token, the body kept as raw bytes. */
function get(path: string, token?: string) {
  const req = request(app.server).get(path);
  if (token) req.set('authorization', `Bearer ${token}`);
  return req.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });
}

const json = (body: Buffer) => JSON.parse(body.toString('utf8'));

function parseCsv(text: string): Promise<string[][]> {
  return new Promise((resolve, reject) => parse(text, { bom: true }, (error, rows: string[][]) => (error ? reject(error) : resolve(rows))));
}

const HEADER = [
  '记录编号 Log ID',
  '社区 Community',
  '志愿者 Volunteer',
  '合伙人 Partner',
  '开始时间 Started (Asia/Shanghai)',
  '结束时间 Ended (Asia/Shanghai)',
  '时长（分钟） Minutes',
  '服务内容 Description',
  '状态 Status',
  '核验人 Verified by',
  '核验时间 Verified at (Asia/Shanghai)',
  '对接编号 Match ID',
  '契约编号 Contract ID',
];
const STATUS: Record<string, string> = { PENDING: '待核验 PENDING', VERIFIED: '已核验 VERIFIED', REJECTED: '未通过 REJECTED' };

describe('CSV export of a community’s service logs', () => {
  let communityId: string;
  let secretary: Account;
  let volunteer: Account;
  const communityName = '江畔家园导出测试社区';

  beforeAll(async () => {
    ({ communityId, secretary } = await communityWithSecretary(app, { name: communityName, timezone: 'Asia/Shanghai' }));
    const partner = await activePartner(app, communityId, secretary, 'CHARITY');
    volunteer = await signUp(app, '王小明');
    await addMember(app, partner.owner.token, partner.partnerId, volunteer);
    const tricky = ['为独居老人送餐，包括“张阿姨”家', 'line one\nline two, with "quotes"', '=HYPERLINK("http://evil.example","点我")', '整理图书 📚'];
    for (const [i, description] of tricky.entries()) {
      const id = await loggedService(app, volunteer.token, { communityId, partnerId: i % 2 ? partner.partnerId : undefined, start: minutesAgo(2000 - i * 200), minutes: 30 + i, description });
      if (i < 2) await decide(app, secretary.token, id, i === 0 ? 'APPROVE' : 'REJECT');
    }
    // More rows than one batch, so the export has to page through the table.
    const bulk = await signUp(app, '批量志愿者');
    await app.db.query(
      `INSERT INTO service_log (community_id, volunteer_id, started_at, ended_at, minutes, description)
       SELECT $1, $2, date_trunc('minute', now()) - interval '80 days' + g * interval '40 minutes',
              date_trunc('minute', now()) - interval '80 days' + g * interval '40 minutes' + interval '30 minutes', 30, '巡楼 第' || g || '次'
         FROM generate_series(1, 2345) g`,
      [communityId, bulk.id],
    );
  });

  /** The rows as the export should show them, computed here from the table. */
  async function expectedRows(from?: string, to?: string): Promise<string[][]> {
    const rows = await app.db.query(
      `SELECT s.*, u.display_name AS volunteer, p.name AS partner, v.display_name AS verifier
         FROM service_log s JOIN app_user u ON u.id = s.volunteer_id
         LEFT JOIN partner p ON p.id = s.partner_id LEFT JOIN app_user v ON v.id = s.verified_by_id
        WHERE s.community_id = $1 ORDER BY s.started_at, s.id`,
      [communityId],
    );
    const local = (d: Date | null) => (d ? DateTime.fromJSDate(d, { zone: 'Asia/Shanghai' }).toFormat('yyyy-MM-dd HH:mm') : '');
    const text = (s: string | null) => (s && /^[=+\-@]/.test(s) ? `'${s}` : (s ?? ''));
    return rows
      .filter((r: any) => {
        const day = local(r.started_at).slice(0, 10);
        return (!from || day >= from) && (!to || day <= to);
      })
      .map((r: any) => [
        r.id,
        communityName,
        r.volunteer,
        r.partner ?? '',
        local(r.started_at),
        local(r.ended_at),
        String(r.minutes),
        text(r.description),
        STATUS[r.status],
        r.verifier ?? '',
        local(r.verified_at),
        '',
        '',
      ]);
  }

  it('streams every log as UTF-8 CSV with a BOM, parsed back row for row', async () => {
    const res = await get(`/exports/service-logs.csv?communityId=${communityId}`, secretary.token);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="service-logs_.*\.csv"$/);
    const body = res.body as Buffer;
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...rows] = await parseCsv(body.toString('utf8'));
    expect(header).toEqual(HEADER);
    const expected = await expectedRows();
    expect(rows).toHaveLength(2349);
    expect(rows).toEqual(expected);
    // Text a spreadsheet would evaluate stays text.
    expect(rows.some((r) => r[7] === `'=HYPERLINK("http://evil.example","点我")`)).toBe(true);
    expect(rows.some((r) => r[7] === 'line one\nline two, with "quotes"')).toBe(true);
  });

  it('limits the export to local dates from..to inclusive', async () => {
    const day = DateTime.now().setZone('Asia/Shanghai').minus({ days: 40 }).toISODate()!;
    const res = await get(`/exports/service-logs.csv?communityId=${communityId}&from=${day}&to=${day}`, secretary.token);
    expect(res.status).toBe(200);
    const [, ...rows] = await parseCsv((res.body as Buffer).toString('utf8'));
    const expected = await expectedRows(day, day);
    expect(expected.length).toBeGreaterThan(30);
    expect(rows).toEqual(expected);
  });

  it('refuses everyone but the community’s secretaries and admins, and bad parameters', async () => {
    const other = await communityWithSecretary(app);
    const cases: [string, string | undefined, number, string, string?][] = [
      [`/exports/service-logs.csv?communityId=${communityId}`, undefined, 401, 'UNAUTHENTICATED'],
      [`/exports/service-logs.csv?communityId=${communityId}`, 'garbage-token', 401, 'UNAUTHENTICATED'],
      [`/exports/service-logs.csv?communityId=${communityId}`, volunteer.token, 403, 'FORBIDDEN'],
      [`/exports/service-logs.csv?communityId=${communityId}`, other.secretary.token, 403, 'FORBIDDEN'],
      [`/exports/service-logs.csv`, secretary.token, 400, 'BAD_USER_INPUT', 'communityId'],
      [`/exports/service-logs.csv?communityId=${communityId}&from=2026-13-01`, secretary.token, 400, 'BAD_USER_INPUT', 'from'],
      [`/exports/service-logs.csv?communityId=${communityId}&from=2026-05-02&to=2026-05-01`, secretary.token, 400, 'BAD_USER_INPUT', 'to'],
      [`/exports/service-logs.csv?communityId=00000000-0000-4000-8000-000000000000`, secretary.token, 404, 'NOT_FOUND', 'communityId'],
    ];
    for (const [path, token, status, code, field] of cases) {
      const res = await get(path, token);
      expect([path, res.status]).toEqual([path, status]);
      const error = json(res.body).errors[0];
      expect(error.extensions.code).toBe(code);
      if (field) expect(error.extensions.fields).toEqual([expect.objectContaining({ path: field })]);
    }
    const asAdmin = await get(`/exports/service-logs.csv?communityId=${communityId}&from=2020-01-01`, await app.adminToken());
    expect(asAdmin.status).toBe(200);
  });
});

describe('certificate of verified service', () => {
  let volunteer: Account;
  let a: { communityId: string; secretary: Account };
  let b: { communityId: string; secretary: Account };

  beforeAll(async () => {
    a = await communityWithSecretary(app, { name: '梅园新村' });
    b = await communityWithSecretary(app, { name: '金桥<安置>社区' });
    volunteer = await signUp(app, '李&志愿者');
    const logs: [typeof a, number, string, 'APPROVE' | 'REJECT' | null][] = [
      [a, 60, '<script>alert("x")</script> 义务理发', 'APPROVE'],
      [a, 45, '整理社区图书角', 'APPROVE'],
      [a, 30, '待核验的服务', null],
      [a, 20, '被驳回的服务', 'REJECT'],
      [b, 90, '就业指导讲座', 'APPROVE'],
    ];
    for (const [i, [community, minutes, description, decision]] of logs.entries()) {
      const id = await loggedService(app, volunteer.token, { communityId: community.communityId, start: minutesAgo(5000 - i * 500), minutes, description });
      if (decision) await decide(app, community.secretary.token, id, decision);
    }
  });

  const page = (token?: string, query = '') => get(`/certificates/service/${volunteer.id}${query}`, token);

  it('shows the volunteer every verified log, escaped, with the verifying communities', async () => {
    const res = await page(volunteer.token);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    const html = (res.body as Buffer).toString('utf8');
    expect(html).toContain('志愿服务时长证明');
    expect(html).toContain('李&amp;志愿者');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; 义务理发');
    expect(html).not.toContain('<script>');
    expect(html).toContain('梅园新村');
    expect(html).toContain('金桥&lt;安置&gt;社区');
    expect(html).toContain('整理社区图书角');
    expect(html).toContain('就业指导讲座');
    expect(html).not.toContain('待核验的服务');
    expect(html).not.toContain('被驳回的服务');
    expect(html).toContain('3</strong> 次');
    expect(html).toContain('3 小时 15 分钟');
  });

  it('shows a secretary only their community’s logs; admins everything', async () => {
    const asSecretary = (await page(a.secretary.token)).body.toString('utf8');
    expect(asSecretary).toContain('整理社区图书角');
    expect(asSecretary).not.toContain('就业指导讲座');
    expect(asSecretary).toContain('本证明仅包含以下社区核验的记录：梅园新村');
    expect(asSecretary).toContain('1 小时 45 分钟');
    const asAdmin = (await page(await app.adminToken())).body.toString('utf8');
    expect(asAdmin).toContain('就业指导讲座');
    expect(asAdmin).not.toContain('本证明仅包含');
  });

  it('limits the certificate to the period', async () => {
    const today = DateTime.now().setZone('Asia/Shanghai').toISODate()!;
    const html = (await page(volunteer.token, `?from=${today}&to=${today}`)).body.toString('utf8');
    expect(html).toContain('0</strong> 次');
    expect(html).toContain('该期间没有已核验的服务记录');
  });

  it('refuses strangers, secretaries of other communities and anonymous callers', async () => {
    const stranger = await signUp(app);
    const other = await communityWithSecretary(app);
    expect((await page()).status).toBe(401);
    expect((await page(stranger.token)).status).toBe(403);
    expect((await page(other.secretary.token)).status).toBe(403);
    expect(json((await page(stranger.token)).body).errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await get(`/certificates/service/00000000-0000-4000-8000-000000000000`, volunteer.token)).status).toBe(404);
    expect((await page(volunteer.token, '?to=yesterday')).status).toBe(400);
  });
});
