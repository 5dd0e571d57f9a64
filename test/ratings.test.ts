import { advanceClock, nowMs } from '../src/common/clock';
import { closeOverdueRounds, remindPanels } from '../src/ratings/ratings.service';
import { count, errorCode, ok, startTestApp, type TestApp } from './support/app';
import { appAndChild, post, type AppAndChild } from './support/child-app';
import { resetClock, setTestClock } from './support/clock';
import { activePartner, communityWithSecretary, registerPartner, signUp, unique, type Account } from './support/fixtures';
import { REQUEST_PARTNERSHIP } from './support/documents';
import { topics } from '../src/live/events';
import { bearer, Subscription, until, wsClient } from './support/live';

/*
 * Rating rounds (评估定星, issue #15 item 3) through the API: a secretary opens a round with its
 * criteria, partners and panel; the panel scores (replaceable until the close, never their own
 * partner); closing freezes the results, published on the board, on the partner and in its stars;
 * the panel is told when a round opens and a day before it closes; a round closed while panellists
 * are still scoring on two server processes counts exactly the scores that committed before it.
 */

let app: TestApp;
let adminToken = '';
beforeAll(async () => {
  app = await startTestApp();
  adminToken = await app.adminToken();
});
afterAll(() => app.close());
afterEach(() => resetClock());

const DAY = 86_400_000;
const KEYS = ['party_leadership', 'institutional_standards', 'overall_effectiveness', 'social_assessment', 'innovation'];

const ROUND = `id title period status closesAt closedAt criteria { key name weight } partners { id } ballotsCast panelSize onPanel
  results { partner { id } round { id } stars score ballots byCriterion { key average } publishedAt }`;
const OPEN = `mutation($i: OpenRatingRoundInput!) { openRatingRound(input: $i) { ${ROUND} } }`;
const SCORE = `mutation($r: ID!, $p: ID!, $s: [CriterionScoreInput!]!, $c: String) { scorePartner(roundId: $r, partnerId: $p, scores: $s, comment: $c) { id ballotsCast } }`;
const CLOSE = `mutation($id: ID!) { closeRatingRound(id: $id) { ${ROUND} } }`;
const READ = `query($id: ID!) { ratingRound(id: $id) { ${ROUND} myBallots { partner { id } scores { key score } comment } } }`;
const INBOX = `{ notifications(first: 50) { edges { node { kind message } } } }`;

const inbox = async (token: string) => ok(await app.gql(INBOX, {}, token)).notifications.edges.map((e: { node: { kind: string; message: string } }) => e.node);
const scores = (values: number[], keys = KEYS) => keys.map((key, i) => ({ key, score: values[i] }));
const inDays = (days: number) => new Date(nowMs() + days * DAY).toISOString();

/** Every row of the rounds' tables, for "a refusal changed nothing". */
const ratingRows = async () => ({
  rounds: await app.db.query(`SELECT * FROM rating_round ORDER BY id`),
  partners: await app.db.query(`SELECT * FROM rating_round_partner ORDER BY round_id, partner_id`),
  panel: await app.db.query(`SELECT * FROM rating_panellist ORDER BY round_id, user_id`),
  ballots: await app.db.query(`SELECT * FROM rating_ballot ORDER BY round_id, partner_id, panellist_id`),
  scores: await app.db.query(`SELECT * FROM rating_score ORDER BY round_id, partner_id, panellist_id, criterion_key`),
  results: await app.db.query(`SELECT * FROM partner_rating ORDER BY round_id, partner_id`),
});

interface Scene {
  communityId: string;
  secretary: Account;
  a: { owner: Account; partnerId: string };
  b: { owner: Account; partnerId: string };
  /** Three panellists with no partner, and A's owner, who sits on the panel too. */
  panel: Account[];
  outsider: Account;
}

async function scene(): Promise<Scene> {
  const { communityId, secretary } = await communityWithSecretary(app, { timezone: 'Asia/Shanghai' });
  const a = await activePartner(app, communityId, secretary);
  const b = await activePartner(app, communityId, secretary, 'CHARITY');
  const panel = [await signUp(app, unique('panellist')), await signUp(app, unique('panellist')), await signUp(app, unique('panellist')), a.owner];
  return { communityId, secretary, a, b, panel, outsider: await signUp(app, unique('outsider')) };
}

const roundInput = (s: Scene, extra: Record<string, unknown> = {}) => ({
  communityId: s.communityId,
  title: '2026年第四季度合伙人评估定星',
  period: '2026Q4',
  closesAt: inDays(10),
  partnerIds: [s.a.partnerId, s.b.partnerId],
  panelUserIds: s.panel.map((p) => p.id),
  ...extra,
});

async function openRound(s: Scene, extra: Record<string, unknown> = {}) {
  return ok(await app.gql(OPEN, { i: roundInput(s, extra) }, s.secretary.token)).openRatingRound;
}

/** The results an independent reader computes from the score rows: weighted mean of per-criterion averages, stars half up. */
async function independentResults(roundId: string, criteria: { key: string; weight: number }[], db = app.db) {
  const rows: { partner_id: string; panellist_id: string; criterion_key: string; score: number }[] = await db.query(
    `SELECT partner_id, panellist_id, criterion_key, score FROM rating_score WHERE round_id = $1`,
    [roundId],
  );
  const partners = [...new Set(rows.map((r) => r.partner_id))].sort();
  return partners.map((partnerId) => {
    const mine = rows.filter((r) => r.partner_id === partnerId);
    const byCriterion = criteria.map((c) => {
      const values = mine.filter((r) => r.criterion_key === c.key).map((r) => r.score);
      return { key: c.key, average: values.reduce((x, y) => x + y, 0) / values.length };
    });
    const weights = criteria.reduce((x, c) => x + c.weight, 0);
    const score = byCriterion.reduce((x, b, i) => x + b.average * criteria[i].weight, 0) / weights;
    const rounded = Math.round(score * 10_000) / 10_000;
    return { partnerId, ballots: new Set(mine.map((r) => r.panellist_id)).size, score: rounded, stars: Math.floor(rounded + 0.5), byCriterion };
  });
}

function expectResults(results: { partner: { id: string }; stars: number; score: number; ballots: number; byCriterion: { key: string; average: number }[] }[], expected: Awaited<ReturnType<typeof independentResults>>) {
  const got = [...results].sort((x, y) => x.partner.id.localeCompare(y.partner.id));
  expect(got.map((r) => r.partner.id)).toEqual(expected.map((e) => e.partnerId));
  got.forEach((r, i) => {
    const e = expected[i];
    expect({ stars: r.stars, ballots: r.ballots }).toEqual({ stars: e.stars, ballots: e.ballots });
    expect(r.score).toBeCloseTo(e.score, 4);
    expect(r.byCriterion.map((c) => c.key)).toEqual(e.byCriterion.map((c) => c.key));
    r.byCriterion.forEach((c, j) => expect(c.average).toBeCloseTo(e.byCriterion[j].average, 4));
  });
}

describe('opening a round', () => {
  it('opens with the five default criteria, the partners and the panel, told to each panellist', async () => {
    const s = await scene();
    const round = await openRound(s);
    expect(round).toMatchObject({
      status: 'OPEN',
      period: '2026Q4',
      closedAt: null,
      criteria: [
        { key: 'party_leadership', name: '党建引领作用', weight: 1 },
        { key: 'institutional_standards', name: '制度规范化建设', weight: 1 },
        { key: 'overall_effectiveness', name: '整体工作效能', weight: 1 },
        { key: 'social_assessment', name: '社会评估', weight: 1 },
        { key: 'innovation', name: '创新工作机制', weight: 1 },
      ],
      ballotsCast: 0,
      panelSize: 4,
      onPanel: false,
      results: [],
    });
    expect(round.closesAt).toMatch(/\+08:00$/);
    expect(round.partners.map((p: { id: string }) => p.id).sort()).toEqual([s.a.partnerId, s.b.partnerId].sort());
    for (const p of s.panel) {
      expect((await inbox(p.token)).filter((n: { kind: string }) => n.kind === 'RATING_ROUND_OPEN')).toEqual([
        { kind: 'RATING_ROUND_OPEN', message: expect.stringContaining('2026年第四季度合伙人评估定星') },
      ]);
    }
    expect((await inbox(s.outsider.token)).filter((n: { kind: string }) => n.kind === 'RATING_ROUND_OPEN')).toEqual([]);
    // Anyone reads the round; only a panellist is told they are on it.
    expect(ok(await app.gql(READ, { id: round.id })).ratingRound).toMatchObject({ id: round.id, panelSize: 4, onPanel: false, myBallots: [] });
    expect(ok(await app.gql(READ, { id: round.id }, s.panel[0].token)).ratingRound).toMatchObject({ onPanel: true });
    const listed = ok(await app.gql(`query($c: ID!) { ratingRounds(communityId: $c) { id } }`, { c: s.communityId })).ratingRounds;
    expect(listed).toEqual([{ id: round.id }]);
  });

  it('tells a panellist live, in their language, when a round opens', async () => {
    const s = await scene();
    const client = wsClient(app.server, bearer(s.panel[0].token));
    try {
      const sub = new Subscription(client, `subscription { notificationReceived { kind message } }`);
      await until(() => app.handle.events.hub.subscriberCount(topics.inbox(s.panel[0].id)) === 1);
      await openRound(s);
      expect(await sub.next()).toEqual({
        data: { notificationReceived: { kind: 'RATING_ROUND_OPEN', message: '您已被列为“2026年第四季度合伙人评估定星”（2026Q4）评议组成员，请为各合作伙伴打分' } },
      });
    } finally {
      await client.dispose();
    }
  });

  it('takes criteria with their own weights, and pages the community rounds newest first', async () => {
    const s = await scene();
    const first = await openRound(s, { criteria: [{ key: 'service', name: '服务质量', weight: 2 }, { key: 'response', name: '响应速度' }] });
    expect(first.criteria).toEqual([
      { key: 'service', name: '服务质量', weight: 2 },
      { key: 'response', name: '响应速度', weight: 1 },
    ]);
    const second = await openRound(s, { period: '2027Q1' });
    const page1 = ok(await app.gql(`query($c: ID!) { ratingRounds(communityId: $c, first: 1) { id } }`, { c: s.communityId })).ratingRounds;
    expect(page1).toEqual([{ id: second.id }]);
    const page2 = ok(await app.gql(`query($c: ID!, $a: String) { ratingRounds(communityId: $c, first: 1, after: $a) { id } }`, { c: s.communityId, a: second.id })).ratingRounds;
    expect(page2).toEqual([{ id: first.id }]);
  });

  it('is for the community secretaries and admins only, and refused input changes nothing', async () => {
    const s = await scene();
    const { communityId: elsewhere, secretary: otherSecretary } = await communityWithSecretary(app);
    const stranger = await activePartner(app, elsewhere, otherSecretary);
    const pendingOwner = await signUp(app, unique('owner'));
    const pending = await registerPartner(app, pendingOwner);
    ok(await app.gql(REQUEST_PARTNERSHIP, { p: pending, c: s.communityId }, pendingOwner.token));
    const before = await ratingRows();

    expect(errorCode(await app.gql(OPEN, { i: roundInput(s) }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await app.gql(OPEN, { i: roundInput(s) }, s.a.owner.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(OPEN, { i: roundInput(s) }, otherSecretary.token))).toBe('FORBIDDEN');

    const inactive = await app.gql(OPEN, { i: roundInput(s, { partnerIds: [s.a.partnerId, stranger.partnerId, pending] }) }, s.secretary.token);
    expect(errorCode(inactive)).toBe('BAD_USER_INPUT');
    expect(inactive.errors![0].extensions.fields!.map((f) => f.path)).toEqual(['input.partnerIds[1]', 'input.partnerIds[2]']);
    expect(inactive.errors![0].extensions.partnerIds).toEqual([stranger.partnerId, pending]);

    const refusals: [Record<string, unknown>, string][] = [
      [{ closesAt: new Date(nowMs() - 60_000).toISOString() }, 'input.closesAt'],
      [{ criteria: [{ key: 'a', name: '甲' }, { key: 'a', name: '乙' }] }, 'input.criteria[1].key'],
      [{ criteria: [{ key: 'a', name: '甲', weight: 0 }] }, 'input.criteria.0.weight'],
      [{ criteria: [{ key: 'Not A Key', name: '甲' }] }, 'input.criteria.0.key'],
      [{ criteria: [] }, 'input.criteria'],
      [{ panelUserIds: [s.panel[0].id, '00000000-0000-4000-8000-000000000000'] }, 'input.panelUserIds[1]'],
      [{ panelUserIds: [s.panel[0].id, s.panel[0].id] }, 'input.panelUserIds[1]'],
      [{ partnerIds: [s.a.partnerId, s.a.partnerId] }, 'input.partnerIds[1]'],
      [{ partnerIds: [] }, 'input.partnerIds'],
      [{ title: '   ' }, 'input.title'],
    ];
    for (const [extra, path] of refusals) {
      const res = await app.gql(OPEN, { i: roundInput(s, extra) }, s.secretary.token);
      expect({ path, code: errorCode(res) }).toEqual({ path, code: 'BAD_USER_INPUT' });
      expect(res.errors![0].extensions.fields!.map((f) => f.path)).toContain(path);
    }
    expect(await ratingRows()).toEqual(before);
    // An admin may, anywhere.
    expect(ok(await app.gql(OPEN, { i: roundInput(s) }, adminToken)).openRatingRound.status).toBe('OPEN');
  });
});

describe('scoring', () => {
  it('takes every criterion once, 1-5, replaceable until the close; each panellist reads only their own ballots', async () => {
    const s = await scene();
    const round = await openRound(s);
    const [p1, p2] = s.panel;
    ok(await app.gql(SCORE, { r: round.id, p: s.a.partnerId, s: scores([5, 4, 3, 2, 1]), c: '服务热情' }, p1.token));
    const replaced = ok(await app.gql(SCORE, { r: round.id, p: s.a.partnerId, s: scores([4, 4, 4, 4, 4]) }, p1.token)).scorePartner;
    expect(replaced.ballotsCast).toBe(0);
    expect(await count(app.db, 'rating_score', 'round_id = $1', [round.id])).toBe(5);
    ok(await app.gql(SCORE, { r: round.id, p: s.b.partnerId, s: scores([3, 3, 3, 3, 3]) }, p1.token));
    ok(await app.gql(SCORE, { r: round.id, p: s.a.partnerId, s: scores([2, 2, 2, 2, 2]) }, p2.token));

    const mine = ok(await app.gql(READ, { id: round.id }, p1.token)).ratingRound;
    expect(mine.ballotsCast).toBe(1);
    expect(mine.myBallots.find((b: { partner: { id: string } }) => b.partner.id === s.a.partnerId)).toEqual({
      partner: { id: s.a.partnerId },
      scores: scores([4, 4, 4, 4, 4]),
      comment: null,
    });
    expect(mine.myBallots).toHaveLength(2);
    expect(ok(await app.gql(READ, { id: round.id }, p2.token)).ratingRound.myBallots).toHaveLength(1);
    expect(ok(await app.gql(READ, { id: round.id }, s.secretary.token)).ratingRound.myBallots).toEqual([]);
  });

  it('refuses bad scores, non-panellists and a panellist scoring their own partner, changing nothing', async () => {
    const s = await scene();
    const round = await openRound(s);
    const { communityId: elsewhere, secretary: otherSecretary } = await communityWithSecretary(app);
    const notInRound = await activePartner(app, elsewhere, otherSecretary);
    const [p1] = s.panel;
    const before = await ratingRows();

    const bad: [number[] | { key: string; score: number }[], string][] = [
      [scores([5, 4, 3, 2], KEYS.slice(0, 4)), 'scores'],
      [[...scores([5, 4, 3, 2, 1]), { key: 'innovation', score: 3 }], 'scores[5].key'],
      [[...scores([5, 4, 3, 2], KEYS.slice(0, 4)), { key: 'charity', score: 3 }], 'scores[4].key'],
      [scores([5, 4, 3, 2, 6]), 'scores[4].score'],
      [scores([0, 4, 3, 2, 1]), 'scores[0].score'],
    ];
    for (const [given, path] of bad) {
      const res = await app.gql(SCORE, { r: round.id, p: s.a.partnerId, s: given }, p1.token);
      expect({ path, code: errorCode(res) }).toEqual({ path, code: 'BAD_USER_INPUT' });
      expect(res.errors![0].extensions.fields!.map((f) => f.path)).toContain(path);
    }
    const notRated = await app.gql(SCORE, { r: round.id, p: notInRound.partnerId, s: scores([5, 5, 5, 5, 5]) }, p1.token);
    expect(errorCode(notRated)).toBe('BAD_USER_INPUT');
    expect(notRated.errors![0].extensions.fields![0].path).toBe('partnerId');

    expect(errorCode(await app.gql(SCORE, { r: round.id, p: s.a.partnerId, s: scores([5, 5, 5, 5, 5]) }))).toBe('UNAUTHENTICATED');
    for (const who of [s.outsider, s.secretary, s.b.owner]) {
      expect(errorCode(await app.gql(SCORE, { r: round.id, p: s.a.partnerId, s: scores([5, 5, 5, 5, 5]) }, who.token))).toBe('FORBIDDEN');
    }
    expect(errorCode(await app.gql(SCORE, { r: round.id, p: s.a.partnerId, s: scores([5, 5, 5, 5, 5]) }, adminToken))).toBe('FORBIDDEN');
    // A's owner sits on the panel: never for A, but for B.
    const own = await app.gql(SCORE, { r: round.id, p: s.a.partnerId, s: scores([5, 5, 5, 5, 5]) }, s.a.owner.token);
    expect(errorCode(own)).toBe('FORBIDDEN');
    expect(own.errors![0].message).toMatch(/belong/);
    expect(errorCode(await app.gql(SCORE, { r: '00000000-0000-4000-8000-000000000000', p: s.a.partnerId, s: scores([5, 5, 5, 5, 5]) }, p1.token))).toBe('NOT_FOUND');
    expect(await ratingRows()).toEqual(before);

    ok(await app.gql(SCORE, { r: round.id, p: s.b.partnerId, s: scores([5, 5, 5, 5, 5]) }, s.a.owner.token));
  });
});

describe('closing a round', () => {
  it('freezes the weighted results, publishes them on the board, the partner and its stars, and refuses scores after', async () => {
    const s = await scene();
    const criteria = [
      { key: 'party', name: '党建引领作用', weight: 2 },
      { key: 'rules', name: '制度规范化建设', weight: 1 },
      { key: 'work', name: '整体工作效能', weight: 1.5 },
    ];
    const round = await openRound(s, { criteria });
    const keys = criteria.map((c) => c.key);
    const [p1, p2, p3, ownerA] = s.panel;
    ok(await app.gql(SCORE, { r: round.id, p: s.a.partnerId, s: scores([5, 4, 3], keys) }, p1.token));
    ok(await app.gql(SCORE, { r: round.id, p: s.a.partnerId, s: scores([4, 4, 2], keys) }, p2.token));
    ok(await app.gql(SCORE, { r: round.id, p: s.a.partnerId, s: scores([3, 5, 3], keys) }, p3.token));
    // B: 2 and 3 on every criterion: 2.5, which is 3 stars (half up).
    ok(await app.gql(SCORE, { r: round.id, p: s.b.partnerId, s: scores([2, 2, 2], keys) }, p1.token));
    ok(await app.gql(SCORE, { r: round.id, p: s.b.partnerId, s: scores([3, 3, 3], keys) }, ownerA.token));

    expect(errorCode(await app.gql(CLOSE, { id: round.id }, s.a.owner.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(CLOSE, { id: round.id }))).toBe('UNAUTHENTICATED');
    const closed = ok(await app.gql(CLOSE, { id: round.id }, s.secretary.token)).closeRatingRound;
    expect(closed.status).toBe('CLOSED');
    expect(closed.closedAt).toMatch(/\+08:00$/);
    // A: party (5+4+3)/3 = 4, rules 13/3, work 8/3; (2*4 + 13/3 + 1.5*8/3) / 4.5 = 3.6296
    const a = closed.results.find((r: { partner: { id: string } }) => r.partner.id === s.a.partnerId);
    expect(a).toMatchObject({ stars: 4, ballots: 3, round: { id: round.id } });
    expect(a.score).toBeCloseTo(3.6296, 4);
    const b = closed.results.find((r: { partner: { id: string } }) => r.partner.id === s.b.partnerId);
    expect(b).toMatchObject({ stars: 3, score: 2.5, ballots: 2 });
    expectResults(closed.results, await independentResults(round.id, criteria));
    expect(closed.results[0].partner.id).toBe(s.a.partnerId); // best first

    // Published: on the board, on the partner, in its stars; its members are told.
    const board = ok(await app.gql(`query($c: ID!) { publicBoard(communityId: $c) { ratings { partner { id } round { id title } stars } } }`, { c: s.communityId })).publicBoard;
    expect(board.ratings.map((r: { partner: { id: string }; stars: number }) => [r.partner.id, r.stars])).toEqual([
      [s.a.partnerId, 4],
      [s.b.partnerId, 3],
    ]);
    const partner = ok(await app.gql(`query($p: ID!) { partner(id: $p) { ratings { stars round { period } } stats { stars } } }`, { p: s.b.partnerId })).partner;
    expect(partner).toEqual({ ratings: [{ stars: 3, round: { period: '2026Q4' } }], stats: { stars: 3 } });
    expect((await inbox(s.b.owner.token)).filter((n: { kind: string }) => n.kind === 'RATING_ROUND_CLOSED')).toEqual([
      { kind: 'RATING_ROUND_CLOSED', message: expect.stringMatching(/3 stars/) },
    ]);

    // Frozen: no score nor a second close.
    const frozen = await ratingRows();
    const late = await app.gql(SCORE, { r: round.id, p: s.a.partnerId, s: scores([1, 1, 1], keys) }, p1.token);
    expect(errorCode(late)).toBe('INVALID_STATE');
    expect(errorCode(await app.gql(CLOSE, { id: round.id }, s.secretary.token))).toBe('INVALID_STATE');
    expect(await ratingRows()).toEqual(frozen);
  });

  it('makes the newest published round the partner stars, and lists its ratings newest first', async () => {
    const s = await scene();
    const first = await openRound(s, { partnerIds: [s.b.partnerId] });
    ok(await app.gql(SCORE, { r: first.id, p: s.b.partnerId, s: scores([5, 5, 5, 5, 5]) }, s.panel[0].token));
    ok(await app.gql(CLOSE, { id: first.id }, s.secretary.token));
    const second = await openRound(s, { partnerIds: [s.b.partnerId], period: '2027Q1' });
    ok(await app.gql(SCORE, { r: second.id, p: s.b.partnerId, s: scores([2, 2, 2, 2, 1]) }, s.panel[0].token));
    ok(await app.gql(CLOSE, { id: second.id }, s.secretary.token));
    const partner = ok(await app.gql(`query($p: ID!) { partner(id: $p) { ratings { stars round { period } } stats { stars } } }`, { p: s.b.partnerId })).partner;
    expect(partner).toEqual({ ratings: [{ stars: 2, round: { period: '2027Q1' } }, { stars: 5, round: { period: '2026Q4' } }], stats: { stars: 2 } });
  });

  it('publishes no result for a partner nobody scored', async () => {
    const s = await scene();
    const round = await openRound(s);
    ok(await app.gql(SCORE, { r: round.id, p: s.b.partnerId, s: scores([4, 4, 4, 4, 4]) }, s.panel[0].token));
    const closed = ok(await app.gql(CLOSE, { id: round.id }, s.secretary.token)).closeRatingRound;
    expect(closed.results.map((r: { partner: { id: string } }) => r.partner.id)).toEqual([s.b.partnerId]);
    expect(ok(await app.gql(`query($p: ID!) { partner(id: $p) { ratings { stars } } }`, { p: s.a.partnerId })).partner.ratings).toEqual([]);
  });
});

describe('reading rounds', () => {
  it('answers the community rounds, their partners, counts and results in statements that do not grow with the rounds', async () => {
    const s = await scene();
    const LIST = `query($c: ID!) { ratingRounds(communityId: $c, first: 5) { id community { id } partners { name stats { stars } } ballotsCast panelSize panel { user { id } scoredPartners }
      results { partner { name } round { period } stars ballots } }
      publicBoard(communityId: $c) { ratings { partner { id } round { title } stars } } }`;
    const closedRound = async (period: string) => {
      const round = await openRound(s, { period });
      for (const p of s.panel.slice(0, 3)) ok(await app.gql(SCORE, { r: round.id, p: s.a.partnerId, s: scores([4, 3, 5, 4, 4]) }, p.token));
      ok(await app.gql(SCORE, { r: round.id, p: s.b.partnerId, s: scores([3, 3, 3, 3, 3]) }, s.panel[0].token));
      ok(await app.gql(CLOSE, { id: round.id }, s.secretary.token));
    };
    const statements = async () => {
      const res = await app.gql(LIST, { c: s.communityId }, s.secretary.token);
      expect(res.errors).toBeUndefined();
      return { rounds: res.data.ratingRounds.length, statements: Number(res.headers['x-sql-statements']) };
    };
    await closedRound('2026Q1');
    const one = await statements();
    expect(one.statements).toBeGreaterThan(0);
    await closedRound('2026Q2');
    await closedRound('2026Q3');
    await openRound(s, { period: '2026Q4' });
    const four = await statements();
    expect(four).toEqual({ rounds: 4, statements: one.statements });
  });
});

describe('a panellist reading the rounds', () => {
  it("answers each round's own ballots of the reader in statements that do not grow with the rounds", async () => {
    const s = await scene();
    const me = s.panel[0];
    const LIST = `query($c: ID!) { ratingRounds(communityId: $c, first: 5) { period myBallots { partner { id } scores { key score } comment } } }`;
    const read = async () => {
      const res = await app.gql(LIST, { c: s.communityId }, me.token);
      expect(res.errors).toBeUndefined();
      return { rounds: res.data.ratingRounds, statements: Number(res.headers['x-sql-statements']) };
    };
    const first = await openRound(s, { period: '2026Q1' });
    ok(await app.gql(SCORE, { r: first.id, p: s.a.partnerId, s: scores([5, 4, 3, 2, 1]), c: 'Q1 A' }, me.token));
    const one = await read();
    expect(one.rounds).toEqual([{ period: '2026Q1', myBallots: [{ partner: { id: s.a.partnerId }, scores: scores([5, 4, 3, 2, 1]), comment: 'Q1 A' }] }]);
    const second = await openRound(s, { period: '2026Q2' });
    ok(await app.gql(SCORE, { r: second.id, p: s.b.partnerId, s: scores([2, 2, 3, 3, 4]) }, me.token));
    await openRound(s, { period: '2026Q3' });
    // Another panellist's ballot in the same round is not the reader's.
    ok(await app.gql(SCORE, { r: second.id, p: s.a.partnerId, s: scores([1, 1, 1, 1, 1]) }, s.panel[1].token));
    const three = await read();
    expect(three.rounds).toEqual([
      { period: '2026Q3', myBallots: [] },
      { period: '2026Q2', myBallots: [{ partner: { id: s.b.partnerId }, scores: scores([2, 2, 3, 3, 4]), comment: null }] },
      { period: '2026Q1', myBallots: [{ partner: { id: s.a.partnerId }, scores: scores([5, 4, 3, 2, 1]), comment: 'Q1 A' }] },
    ]);
    expect(three.statements).toBe(one.statements);
  });
});

describe('what time does to a round', () => {
  it('reminds each panellist once a day before the close, refuses scores from closesAt on, and the sweep closes it', async () => {
    setTestClock(new Date(nowMs() + 3_600_000).toISOString());
    const s = await scene();
    const round = await openRound(s, { closesAt: inDays(2) });
    ok(await app.gql(SCORE, { r: round.id, p: s.b.partnerId, s: scores([4, 4, 4, 4, 4]) }, s.panel[0].token));
    const closing = async (token: string) => (await inbox(token)).filter((n: { kind: string }) => n.kind === 'RATING_ROUND_CLOSING');

    // Two days before: nothing to remind yet.
    await remindPanels(app.db);
    expect(await closing(s.panel[0].token)).toEqual([]);

    advanceClock(DAY + 3_600_000); // 23 hours before the close
    await Promise.all([remindPanels(app.db), remindPanels(app.db)]);
    await remindPanels(app.db);
    expect(await closing(s.panel[0].token)).toEqual([{ kind: 'RATING_ROUND_CLOSING', message: expect.stringMatching(/scored 1 of 2 partners/) }]);
    for (const p of s.panel.slice(1)) expect(await closing(p.token)).toEqual([{ kind: 'RATING_ROUND_CLOSING', message: expect.stringMatching(/scored 0 of 2 partners/) }]);
    expect(await closing(s.outsider.token)).toEqual([]);

    advanceClock(23 * 3_600_000); // the closing time, not yet closed by anyone
    const before = await ratingRows();
    const late = await app.gql(SCORE, { r: round.id, p: s.b.partnerId, s: scores([1, 1, 1, 1, 1]) }, s.panel[1].token);
    expect(errorCode(late)).toBe('INVALID_STATE');
    expect(await ratingRows()).toEqual(before);

    expect(await closeOverdueRounds(app.db)).toBeGreaterThanOrEqual(1);
    const closed = ok(await app.gql(`query($id: ID!) { ratingRound(id: $id) { status results { partner { id } stars } } }`, { id: round.id })).ratingRound;
    expect(closed).toEqual({ status: 'CLOSED', results: [{ partner: { id: s.b.partnerId }, stars: 4 }] });
    const [history] = await app.db.query(`SELECT by_user_id, note_id FROM status_change WHERE object_id = $1 AND to_status = 'CLOSED'`, [round.id]);
    expect(history).toEqual({ by_user_id: null, note_id: 'history.ratingRoundTimeUp' });
    expect(await closeOverdueRounds(app.db)).toBe(0);
    expect(await closing(s.panel[0].token)).toHaveLength(1);
  });
});

describe('a round closed while the panel is still scoring, on two server processes', () => {
  let both: AppAndChild;
  beforeAll(async () => {
    both = await appAndChild();
  }, 120_000);
  afterAll(() => both.close());

  it('counts exactly the scores that committed before the close: none lost, none after', async () => {
    const parent = both.app;
    const gql = (url: string, query: string, variables: Record<string, unknown>, token: string) => post(url, query, variables, { authorization: `Bearer ${token}` });
    const { communityId, secretary } = await communityWithSecretary(parent, { timezone: 'Asia/Shanghai' });
    const a = await activePartner(parent, communityId, secretary);
    const b = await activePartner(parent, communityId, secretary);
    const panel = await Promise.all(Array.from({ length: 12 }, () => signUp(parent, unique('panellist'))));
    const round = ok(
      await parent.gql(OPEN, { i: { communityId, title: '并发评估', period: '2026Q4', closesAt: inDays(10), partnerIds: [a.partnerId, b.partnerId], panelUserIds: panel.map((p) => p.id) } }, secretary.token),
    ).openRatingRound;
    const urls = [both.appUrl, both.child.url];

    let acknowledged = 0;
    const outcomes: string[] = [];
    /** The last acknowledged ballot of each panellist for each partner: it must be the one counted. */
    const lastAcknowledged = new Map<string, number[]>();
    /** Scores on, alternating partners and processes, until the close refuses them. */
    const panellist = async (p: { id: string; token: string }, i: number) => {
      for (let k = 0; k < 60; k++) {
        const partnerId = k % 2 ? b.partnerId : a.partnerId;
        const values = KEYS.map((_, j) => 1 + ((i + k + j) % 5));
        const res = await gql(urls[(i + k) % 2], SCORE, { r: round.id, p: partnerId, s: scores(values) }, p.token);
        const code = res.body.errors?.[0]?.extensions.code ?? 'OK';
        outcomes.push(code);
        if (code === 'OK') {
          acknowledged++;
          lastAcknowledged.set(`${p.id}/${partnerId}`, values);
        } else if (code === 'INVALID_STATE') return;
        else throw new Error(`unexpected ${code}: ${res.body.errors?.[0]?.message}`);
      }
    };
    const closer = (async () => {
      while (acknowledged < 40) await new Promise((r) => setTimeout(r, 5));
      return gql(both.child.url, CLOSE, { id: round.id }, secretary.token);
    })();
    await Promise.all(panel.map((p, i) => panellist(p, i)));
    const closed = await closer;
    expect(closed.body.errors).toBeUndefined();
    // Every panellist was still scoring when the round closed, and was then refused.
    expect(outcomes.filter((o) => o === 'INVALID_STATE').length).toBe(panel.length);
    expect(outcomes.every((o) => o === 'OK' || o === 'INVALID_STATE')).toBe(true);

    // None lost: every panellist's last acknowledged ballot is the one stored; none after the close.
    const rows: { partner_id: string; panellist_id: string; criterion_key: string; score: number }[] = await parent.db.query(
      `SELECT partner_id, panellist_id, criterion_key, score FROM rating_score WHERE round_id = $1`,
      [round.id],
    );
    for (const [key, values] of lastAcknowledged) {
      const [panellistId, partnerId] = key.split('/');
      const stored = KEYS.map((k) => rows.find((r) => r.panellist_id === panellistId && r.partner_id === partnerId && r.criterion_key === k)?.score);
      expect({ key, stored }).toEqual({ key, stored: values });
    }
    expect(new Set(rows.map((r) => `${r.panellist_id}/${r.partner_id}`)).size).toBe(lastAcknowledged.size);
    const [late] = await parent.db.query(
      `SELECT count(*)::int AS n FROM rating_ballot b JOIN rating_round r ON r.id = b.round_id WHERE b.round_id = $1 AND b.scored_at > r.closed_at`,
      [round.id],
    );
    expect(late.n).toBe(0);

    // The frozen results are those an independent reader computes from the rows that committed.
    const published = ok(await parent.gql(`query($id: ID!) { ratingRound(id: $id) { status results { partner { id } stars score ballots byCriterion { key average } } } }`, { id: round.id })).ratingRound;
    expect(published.status).toBe('CLOSED');
    expectResults(published.results, await independentResults(round.id, KEYS.map((key) => ({ key, weight: 1 })), parent.db));
  }, 120_000);
});
