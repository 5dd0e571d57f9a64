import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { seedDemo } from '../src/seed/seed';
import { startTestApp, type TestApp } from './support/app';
import { requirePart } from './support/real-parts';

/**
 * In Debian's Chromium, headless, with every request beyond this machine refused: the IDE loads
 * and runs its examples, the signed-link pages open, and screenshots and PDFs are saved to
 * test-artifacts/ (git-ignored; CI keeps them).
 */
const ARTIFACTS = path.join(__dirname, '..', 'test-artifacts');

let app: TestApp;
let base: string;
let browser: Browser;
let context: BrowserContext;
/** Requests the page tried to send anywhere but this machine. */
const outside: string[] = [];

beforeAll(async () => {
  // Debian's chromium (CHROMIUM_PATH to use another): a clear failure, not a launch error, when absent.
  const executablePath = requirePart('chromium');
  mkdirSync(ARTIFACTS, { recursive: true });
  app = await startTestApp({ env: { GRAPHQL_LANDING_PAGE: 'true' } });
  await seedDemo(app.db, app.config);
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 1280, height: 800 } });
  await context.route('**/*', (route) => {
    const { hostname } = new URL(route.request().url());
    if (hostname === '127.0.0.1' || hostname === 'localhost') return route.continue();
    outside.push(route.request().url());
    return route.abort('blockedbyclient');
  });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await app?.close();
});

/** The local URL of a link the server made (its PUBLIC_URL is not where the test server listens). */
const local = (url: string) => base + new URL(url).pathname;

/** Runs one operation of the IDE's current tab and waits for the answer to show `expected`. */
async function run(page: Page, operation: string | null, expected: string | RegExp) {
  if (operation) {
    // The run button offers a menu of the tab's operations once GraphiQL has parsed them (after a
    // tab switch, a moment later): clicking before would run the document without a name.
    const menuButton = page.locator('.graphiql-execute-button[aria-haspopup="menu"]');
    await menuButton.waitFor({ timeout: 15_000 });
    await menuButton.click();
    await page.getByRole('menuitem', { name: operation, exact: true }).click();
  } else {
    await page.locator('.graphiql-execute-button').click();
  }
  try {
    await page.locator('.result-window').getByText(expected).first().waitFor({ timeout: 15_000 });
  } catch (error) {
    await page.screenshot({ path: path.join(ARTIFACTS, 'ide-failure.png') });
    throw new Error(`${(error as Error).message}\nresult window: ${await page.locator('.result-window').innerText().catch(() => '(none)')}`);
  }
}

describe('in headless Chromium with the network beyond this machine blocked', () => {
  it('the IDE loads from this server and runs the examples', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(`${base}/graphql`, { waitUntil: 'load' });
    await page.locator('.graphiql-container').waitFor({ timeout: 20_000 });
    await page.getByText('GraphQL 调试台').first().waitFor();
    // The resident's example: the public board, without signing in.
    await run(page, null, '"江畔家园公租房社区"').catch((e) => { throw new Error(e.message + '\nerrors: ' + errors.join('\n')); });
    await page.screenshot({ path: path.join(ARTIFACTS, 'ide-resident.png') });
    // The secretary's example: sign in, then the review queue with that session.
    await page.locator('.graphiql-tab').nth(1).click();
    // The tab switch renders asynchronously: run only once it is the active tab.
    await page.locator('.graphiql-tab.graphiql-tab-active').filter({ hasText: 'SecretaryLogIn' }).waitFor({ timeout: 15_000 });
    await run(page, 'SecretaryLogIn', '王秀英（江畔家园社区书记）');
    await run(page, 'SecretaryReviewQueue', '"reviewQueue"');
    await expect(page.locator('.result-window').innerText()).resolves.not.toContain('UNAUTHENTICATED');
    await page.screenshot({ path: path.join(ARTIFACTS, 'ide-secretary.png') });
    // Subscriptions over the same host's WebSocket: a partner's claim reaches the secretary's live queue.
    await page.locator('.graphiql-execute-button[aria-haspopup="menu"]').click();
    await page.getByRole('menuitem', { name: 'SecretaryQueueLive', exact: true }).click();
    const [claim] = await app.db.query(
      `SELECT d.id AS "demandId", p.id AS "partnerId", d.title
         FROM demand_item d JOIN community c ON c.id = d.community_id AND c.name = '江畔家园公租房社区'
         JOIN partnership s ON s.community_id = c.id AND s.status = 'ACTIVE' JOIN partner p ON p.id = s.partner_id
         JOIN partner_member m ON m.partner_id = p.id JOIN app_user u ON u.id = m.user_id AND u.email = 'wuye@demo.cn'
        WHERE d.status = 'OPEN' ORDER BY d.created_at LIMIT 1`,
    );
    const owner = await app.gql(`mutation { logIn(input: { email: "wuye@demo.cn", password: "demo2026" }) { token } }`);
    // The socket connects lazily; claim until the event shows (the first may beat the subscription).
    let shown = false;
    for (let attempt = 0; attempt < 5 && !shown; attempt++) {
      const claimed = await app.gql(
        `mutation($i: ClaimDemandInput!) { claimDemand(input: $i) { id status } }`,
        { i: { demandId: claim.demandId, partnerId: claim.partnerId, quantity: 1, note: '浏览器测试认领' } },
        owner.data.logIn.token,
      );
      expect(claimed.errors).toBeUndefined();
      shown = await page.locator('.result-window').getByText('"reviewQueueChanged"').first().waitFor({ timeout: 4_000 }).then(() => true, () => false);
    }
    expect(shown).toBe(true);
    await expect(page.locator('.result-window').innerText()).resolves.toContain(claim.title);
    await page.screenshot({ path: path.join(ARTIFACTS, 'ide-subscription.png') });
    expect(errors).toEqual([]);
    expect(outside).toEqual([]);
    await page.close();
  });

  it('opens a board link and a certificate link: text present, screenshots, print to PDF', async () => {
    const secretary = await app.gql(`mutation { logIn(input: { email: "secretary.jiangpan@demo.cn", password: "demo2026" }) { token user { secretaryOf { id } } } }`);
    const { token, user } = secretary.data.logIn;
    const board = await app.gql(`mutation($c: ID!) { createBoardLink(communityId: $c) { url } }`, { c: user.secretaryOf[0].id }, token);
    expect(board.errors).toBeUndefined();
    const [volunteer] = await app.db.query(`SELECT volunteer_id AS id FROM service_log WHERE status = 'VERIFIED' ORDER BY started_at LIMIT 1`);
    const certificate = await app.gql(`mutation($v: ID!) { createCertificateLink(volunteerId: $v) { url } }`, { v: volunteer.id }, await app.adminToken());
    expect(certificate.errors).toBeUndefined();

    const page = await context.newPage();
    await page.goto(local(board.data.createBoardLink.url));
    await page.getByRole('heading', { name: /社区公告栏/ }).waitFor();
    const boardText = await page.locator('body').innerText();
    expect(boardText).toContain('江畔家园公租房社区');
    // Dates of the demo's demands and sessions in the community's local time, in Chinese.
    expect(boardText).toMatch(/\d{1,2}月\d{1,2}日（周[一二三四五六日]） \d{2}:\d{2}–\d{2}:\d{2}/);
    expect(boardText).not.toMatch(/NaN|Invalid|undefined/);
    await expect(page.locator('.qr svg').count()).resolves.toBe(1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'board.png'), fullPage: true });
    await page.pdf({ path: path.join(ARTIFACTS, 'board.pdf'), format: 'A4', printBackground: true });

    await page.goto(local(certificate.data.createCertificateLink.url));
    await page.getByRole('heading', { name: '志愿服务时长证明' }).waitFor();
    const text = await page.locator('body').innerText();
    expect(text).toMatch(/兹证明 .+ 截至 \d{4}年\d{1,2}月\d{1,2}日参加社区志愿服务/);
    expect(text).not.toContain('全部期间');
    await page.screenshot({ path: path.join(ARTIFACTS, 'certificate.png'), fullPage: true });
    const pdf = await page.pdf({ path: path.join(ARTIFACTS, 'certificate.pdf'), format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    // On a phone.
    await page.setViewportSize({ width: 375, height: 740 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'certificate-phone.png'), fullPage: true });
    const overflow = await page.evaluate<number>('document.body.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);

    // A revoked or expired link shows no content in the browser either.
    await page.goto(local(board.data.createBoardLink.url).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
    await page.getByRole('heading', { name: '链接无效' }).waitFor();
    expect(outside).toEqual([]);
    await page.close();
  });
});
