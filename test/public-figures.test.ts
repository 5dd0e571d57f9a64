import { DateTime } from 'luxon';
import { startTestApp, type TestApp } from './support/app';
import { claim, FULFIL, postDemand } from './support/demand-fixtures';
import { activePartner, communityWithSecretary, signUp, unique, type Account } from './support/fixtures';
import { decide, loggedService, minutesAgo } from './support/service-hours';

/*
 * The public board's figures and in-progress items (issue #14 item 7), through the API: the figures
 * equal what the test counts itself from the data it made, days to resolve are calendar days in the
 * community's zone, anonymous readers never see who raised a request.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const JOIN = `mutation($c: ID!, $b: String) { joinCommunity(communityId: $c, building: $b) { building } }`;
const SUBMIT = `mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { id } }`;
const TRIAGE = `mutation($i: TriageRequestInput!) { triageRequest(input: $i) { id status demand { id } } }`;
const APPROVE = `mutation($id: ID!) { reviewMatch(id: $id, decision: APPROVE) { id } }`;
const REPORT = `mutation($id: ID!) { reportRequestDone(id: $id) { status } }`;
const INSPECT = `mutation($id: ID!) { inspectRequest(id: $id, accept: true) { status } }`;
const RATE = `mutation($id: ID!, $s: Int!) { rateRequest(id: $id, score: $s) { status } }`;
const BOARD = `query($c: ID!) { publicBoard(communityId: $c) {
  figures { requestsReceived requestsResolved medianDaysToResolve residentSatisfaction fulfilledMatches verifiedServiceHours publicBenefitSessionsHeld activePartners }
  inProgressDemands { id status title }
  recentRequests(first: 50) { id kind title status anonymousOnBoard requester { id } building createdAt resolvedAt }
} }`;

const demandInput = (communityId: string) => ({ communityId, title: unique('修'), category: 'VOLUNTEER_SERVICE', quantity: 1, unit: '次' });

async function submit(communityId: string, who: Account, input: Record<string, unknown> = {}): Promise<string> {
  return (await app.gqlOk(SUBMIT, { i: { communityId, kind: 'REPAIR', title: unique('漏水'), building: '3号楼', ...input } }, who.token)).submitRequest.id;
}

/** A community where requests sit at every status, with ratings and backdated days to resolve. */
async function figuresScene() {
  const { communityId, secretary } = await communityWithSecretary(app, { timezone: 'Asia/Shanghai' });
  const resident = await signUp(app, unique('resident'));
  await app.gqlOk(JOIN, { c: communityId, b: '3号楼' }, resident.token);
  const partner = await activePartner(app, communityId, secretary);

  /** A request triaged onto an item of its own, which the partner claims and the secretary approves. */
  const taken = async (input: Record<string, unknown> = {}) => {
    const id = await submit(communityId, resident, input);
    const item = (await app.gqlOk(TRIAGE, { i: { requestId: id, decision: 'TO_DEMAND_LIST', demand: demandInput(communityId) } }, secretary.token)).triageRequest.demand.id as string;
    const match = await claim(app, partner.owner.token, item, partner.partnerId, 1);
    await app.gqlOk(APPROVE, { id: match }, secretary.token);
    return { id, item, match };
  };
  const resolved = async (score: number | null) => {
    const r = await taken();
    await app.gqlOk(REPORT, { id: r.id }, partner.owner.token);
    await app.gqlOk(INSPECT, { id: r.id }, secretary.token);
    if (score !== null) await app.gqlOk(RATE, { id: r.id, s: score }, resident.token);
    return r;
  };

  const inProgress = await taken({ anonymousOnBoard: false, title: '厨房水管漏水' });
  const [first, second, third] = [await resolved(4), await resolved(5), await resolved(null)];
  const submitted = await submit(communityId, resident);
  const declined = await submit(communityId, resident, { kind: 'COMPLAINT' });
  await app.gqlOk(TRIAGE, { i: { requestId: declined, decision: 'DECLINE', reason: '不属于社区事务' } }, secretary.token);
  const openItem = await postDemand(app, secretary.token, communityId);
  // One fulfilled match (the first resolved request's), one verified service log of 90 minutes, one pending.
  await app.gqlOk(FULFIL, { id: first.match }, secretary.token);
  const log = await loggedService(app, partner.owner.token, { communityId, partnerId: partner.partnerId, start: minutesAgo(200), minutes: 90 });
  await decide(app, secretary.token, log);
  await loggedService(app, partner.owner.token, { communityId, partnerId: partner.partnerId, start: minutesAgo(100), minutes: 30 });

  // Days to resolve, set by the test: 23:30 on the 20th to 00:30 on the 22nd in Shanghai is 2 days
  // there (1 day and an hour in UTC terms); 5 days; 0 days (the same local day).
  const spans: [string, string, string][] = [
    [first.id, '2026-11-20T15:30:00Z', '2026-11-21T16:30:00Z'],
    [second.id, '2026-11-10T01:00:00Z', '2026-11-15T01:00:00Z'],
    [third.id, '2026-11-25T16:10:00Z', '2026-11-26T15:50:00Z'],
  ];
  for (const [id, created, resolvedAt] of spans) await app.db.query(`UPDATE resident_request SET created_at = $2, resolved_at = $3 WHERE id = $1`, [id, created, resolvedAt]);
  const localDays = spans.map(([, c, r]) => DateTime.fromISO(r, { zone: 'Asia/Shanghai' }).startOf('day').diff(DateTime.fromISO(c, { zone: 'Asia/Shanghai' }).startOf('day'), 'days').days);
  return { communityId, secretary, resident, partner, inProgress, resolvedOnes: [first, second, third], submitted, declined, openItem, localDays };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

describe('PublicBoard.figures', () => {
  it('equals the counts of what the community did, days to resolve in its own zone', async () => {
    const scene = await figuresScene();
    expect(scene.localDays).toEqual([2, 5, 0]);
    const board = await app.gql(BOARD, { c: scene.communityId }, null);
    expect(board.errors).toBeUndefined();
    // Counted by the test's own SQL, independently of the service's statement.
    const [own] = await app.db.query(
      `SELECT
         (SELECT count(*)::int FROM booking WHERE community_id = $1 AND status = 'CONFIRMED' AND kind = 'PUBLIC_BENEFIT' AND end_at <= now()) AS sessions,
         (SELECT count(*)::int FROM demand_match WHERE community_id = $1 AND status = 'FULFILLED') AS fulfilled`,
      [scene.communityId],
    );
    expect(own.fulfilled).toBe(1);
    expect(board.data.publicBoard.figures).toEqual({
      requestsReceived: 6,
      requestsResolved: 3,
      medianDaysToResolve: median(scene.localDays),
      residentSatisfaction: (4 + 5) / 2,
      fulfilledMatches: own.fulfilled,
      verifiedServiceHours: 1.5,
      publicBenefitSessionsHeld: own.sessions,
      activePartners: 1,
    });
    expect(median(scene.localDays)).toBe(2);
    // Every figure comes from ONE statement, however much the community did.
    const statements = async (query: string) => Number((await app.gql(query, { c: scene.communityId }, null)).headers['x-sql-statements']);
    const bare = await statements(`query($c: ID!) { publicBoard(communityId: $c) { community { id } } }`);
    expect(await statements(`query($c: ID!) { publicBoard(communityId: $c) { community { id } figures { requestsReceived medianDaysToResolve activePartners verifiedServiceHours } } }`)).toBe(bare + 1);
  });

  it('answers zeros and nulls for a community with nothing yet, and NOT_FOUND for an unknown one', async () => {
    const { communityId } = await communityWithSecretary(app);
    const board = await app.gql(BOARD, { c: communityId }, null);
    expect(board.errors).toBeUndefined();
    expect(board.data.publicBoard).toEqual({
      figures: { requestsReceived: 0, requestsResolved: 0, medianDaysToResolve: null, residentSatisfaction: null, fulfilledMatches: 0, verifiedServiceHours: 0, publicBenefitSessionsHeld: 0, activePartners: 0 },
      inProgressDemands: [],
      recentRequests: [],
    });
    const missing = await app.gql(BOARD, { c: '00000000-0000-4000-8000-000000000000' }, null);
    expect(missing.errors![0].extensions.code).toBe('NOT_FOUND');
  });
});

describe('PublicBoard.inProgressDemands and recentRequests', () => {
  it('lists the MATCHED items only, and never names a requester to anyone reading the board', async () => {
    const scene = await figuresScene();
    const stranger = await signUp(app);
    for (const token of [null, stranger.token, scene.partner.owner.token]) {
      const board = (await app.gql(BOARD, { c: scene.communityId }, token)).data.publicBoard;
      // The resolved requests' items were fulfilled (their request went to inspection), the first's match too.
      const [own] = await app.db.query(`SELECT array_agg(id::text ORDER BY id) AS ids FROM demand_item WHERE community_id = $1 AND status = 'MATCHED'`, [scene.communityId]);
      expect(board.inProgressDemands.map((d: { id: string }) => d.id).sort()).toEqual(own.ids);
      expect(own.ids).toContain(scene.inProgress.item);
      expect(own.ids).not.toContain(scene.openItem);
      expect(board.inProgressDemands.every((d: { status: string }) => d.status === 'MATCHED')).toBe(true);

      const ids = board.recentRequests.map((r: { id: string }) => r.id);
      expect(ids).toContain(scene.inProgress.id);
      expect(ids).not.toContain(scene.submitted);
      expect(ids).not.toContain(scene.declined);
      for (const r of board.recentRequests) expect(r).toMatchObject({ requester: null, building: null });
      // Even the request whose requester agreed to be shown: the board shows no names (days open from createdAt).
      expect(board.recentRequests.find((r: { id: string }) => r.id === scene.inProgress.id)).toMatchObject({
        kind: 'REPAIR', title: '厨房水管漏水', status: 'IN_PROGRESS', anonymousOnBoard: false, resolvedAt: null, createdAt: expect.stringMatching(/\+08:00$/),
      });
    }
  });
});
