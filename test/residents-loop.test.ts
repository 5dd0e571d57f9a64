import { errorCode, startTestApp, type TestApp } from './support/app';
import { claim, EVALUATE, FULFIL, REVIEW } from './support/demand-fixtures';
import { activePartner, communityWithSecretary, joinPartner, signUp, unique, type Account } from './support/fixtures';
import { decide, iso, LOG_SERVICE, minutesAgo } from './support/service-hours';

/*
 * The whole loop for each kind (issue #14) through the HTTP API: a resident's request is triaged
 * onto the demand list, taken on (by an individual volunteer for a WISH, by a partner for a
 * COMPLAINT or a SUGGESTION), reported done, inspected and rated; the rating then counts for
 * whoever did the work (User.volunteerRecord, PartnerStats.residentRating/residentRatingCount).
 * At each step the roles that may not act are refused (FORBIDDEN, UNAUTHENTICATED or INVALID_STATE)
 * and the refusal changes nothing.
 */

let app: TestApp;
let adminToken = '';
beforeAll(async () => {
  app = await startTestApp();
  adminToken = await app.adminToken();
});
afterAll(() => app.close());

const JOIN = `mutation($c: ID!) { joinCommunity(communityId: $c) { verified } }`;
const APPOINT = `mutation($c: ID!, $u: ID!) { appointSecretary(communityId: $c, userId: $u) { id } }`;
const SUBMIT = `mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { id status } }`;
const TRIAGE = `mutation($i: TriageRequestInput!) { triageRequest(input: $i) { id status demand { id } } }`;
const CLAIM_ALONE = `mutation($i: ClaimDemandInput!) { claimDemand(input: $i) { id status volunteer { id } partner { id } } }`;
const REPORT = `mutation($id: ID!, $n: String) { reportRequestDone(id: $id, note: $n) { id status } }`;
const INSPECT = `mutation($id: ID!, $a: Boolean!, $n: String) { inspectRequest(id: $id, accept: $a, note: $n) { id status } }`;
const RATE = `mutation($id: ID!, $s: Int!, $c: String) { rateRequest(id: $id, score: $s, comment: $c) { id status rating { score comment } } }`;
const READ = `query($id: ID!) { residentRequest(id: $id) { id status requester { id } rating { score comment } history { to note by { id } } } }`;
const RECORD = `{ fulfilledMatches verifiedServiceMinutes averageRating residentRating residentRatingCount }`;
const MY_RECORD = `{ me { volunteerRecord ${RECORD} } }`;
const STATS = `query($p: ID!) { partner(id: $p) { stats { averageRating residentRating residentRatingCount } } }`;

/** Everything a step of the loop may write: for "a refusal changed nothing". */
async function tables() {
  const [rows] = await app.db.query(
    `SELECT (SELECT json_agg(r ORDER BY r.id) FROM resident_request r) AS requests,
            (SELECT json_agg(d ORDER BY d.id) FROM demand_item d) AS items,
            (SELECT json_agg(m ORDER BY m.id) FROM demand_match m) AS matches,
            (SELECT count(*) FROM status_change) AS steps,
            (SELECT count(*) FROM notification) AS notifications,
            (SELECT json_agg(l ORDER BY l.id) FROM service_log l) AS logs`,
  );
  return rows;
}

/** Each token (null: anonymous) is refused `query` with `code` (UNAUTHENTICATED for anonymous), and nothing changes. */
async function refused(query: string, variables: Record<string, unknown>, tokens: (string | null)[], code: 'FORBIDDEN' | 'INVALID_STATE') {
  const before = await tables();
  for (const token of tokens) {
    const res = await app.gql(query, variables, token);
    expect({ token, code: errorCode(res) }).toEqual({ token, code: token ? code : 'UNAUTHENTICATED' });
  }
  expect(await tables()).toEqual(before);
}

async function resident(communityId: string, name = unique('resident')): Promise<Account> {
  const person = await signUp(app, name);
  await app.gqlOk(JOIN, { c: communityId }, person.token);
  return person;
}

async function submit(communityId: string, requester: Account, kind: string, title: string): Promise<string> {
  const res = await app.gqlOk(SUBMIT, { i: { communityId, kind, title, description: `${title}，请社区帮忙` } }, requester.token);
  expect(res.submitRequest.status).toBe('SUBMITTED');
  return res.submitRequest.id;
}

const status = async (id: string, token: string) => (await app.gqlOk(READ, { id }, token)).residentRequest.status as string;

/** A community (Asia/Shanghai) with its secretary, the secretary of another community, and a stranger. */
async function place() {
  const { communityId, secretary } = await communityWithSecretary(app, { timezone: 'Asia/Shanghai' });
  const { secretary: otherSecretary } = await communityWithSecretary(app);
  const stranger = await signUp(app);
  return { communityId, secretary, otherSecretary, stranger };
}

describe('a WISH, taken on by an individual volunteer', () => {
  it('goes from the wish to its rating, which counts in the volunteer’s own record and for no partner', async () => {
    const { communityId, secretary, otherSecretary, stranger } = await place();
    const requester = await resident(communityId);
    const volunteer = await resident(communityId);
    // The volunteer also serves as secretary of a third community, so that anyone reaches their User (community.secretaries).
    const { communityId: stage } = await communityWithSecretary(app);
    await app.gqlOk(APPOINT, { c: stage, u: volunteer.id }, adminToken);
    const rejectedVolunteer = await resident(communityId);
    // A partner active in the community, which does not take the wish on.
    const partner = await activePartner(app, communityId, secretary);

    // Submitted: only residents of the community raise requests.
    await refused(SUBMIT, { i: { communityId, kind: 'WISH', title: '读书伙伴' } }, [stranger.token, otherSecretary.token, null], 'FORBIDDEN');
    const wish = await submit(communityId, requester, 'WISH', '想给孩子找一位读书伙伴');

    // Triaged onto the demand list by the community's secretary only.
    const demand = { communityId, title: unique('陪读'), category: 'VOLUNTEER_SERVICE', quantity: 1, unit: '人' };
    const triage = { i: { requestId: wish, decision: 'TO_DEMAND_LIST', demand } };
    await refused(TRIAGE, triage, [requester.token, volunteer.token, partner.owner.token, otherSecretary.token, null], 'FORBIDDEN');
    const item = (await app.gqlOk(TRIAGE, triage, secretary.token)).triageRequest.demand.id as string;

    // One resident's claim is rejected; the volunteer's is approved: the request is in progress.
    const rejected = (await app.gqlOk(CLAIM_ALONE, { i: { demandId: item, quantity: 1 } }, rejectedVolunteer.token)).claimDemand.id;
    await app.gqlOk(REVIEW, { id: rejected, d: 'REJECT', n: '时间对不上' }, secretary.token);
    const claimed = (await app.gqlOk(CLAIM_ALONE, { i: { demandId: item, quantity: 1, note: '周六上午可以' } }, volunteer.token)).claimDemand;
    expect(claimed).toMatchObject({ status: 'PENDING_REVIEW', volunteer: { id: volunteer.id }, partner: null });
    await refused(REVIEW, { id: claimed.id, d: 'APPROVE', n: null }, [volunteer.token, requester.token, otherSecretary.token, null], 'FORBIDDEN');
    await app.gqlOk(REVIEW, { id: claimed.id, d: 'APPROVE', n: null }, secretary.token);
    expect(await status(wish, requester.token)).toBe('IN_PROGRESS');

    // Reported done by the volunteer, and by nobody else who did not take it on.
    await refused(REPORT, { id: wish }, [requester.token, rejectedVolunteer.token, partner.owner.token, stranger.token, otherSecretary.token, null], 'FORBIDDEN');
    expect((await app.gqlOk(REPORT, { id: wish, n: '已陪读四次' }, volunteer.token)).reportRequestDone.status).toBe('AWAITING_INSPECTION');
    expect((await app.gqlOk(READ, { id: wish }, requester.token)).residentRequest.history.at(-1)).toEqual({ to: 'AWAITING_INSPECTION', note: '已陪读四次', by: { id: volunteer.id } });
    await refused(REPORT, { id: wish }, [volunteer.token], 'INVALID_STATE');

    // The secretary confirms the delivery, evaluates it, and verifies the volunteer's hours on the match.
    await app.gqlOk(FULFIL, { id: claimed.id, n: null }, secretary.token);
    await app.gqlOk(EVALUATE, { id: claimed.id, i: { rating: 5 } }, secretary.token);
    const start = minutesAgo(240);
    const log = await app.gqlOk(
      LOG_SERVICE,
      { i: { communityId, matchId: claimed.id, startedAt: iso(start), endedAt: iso(new Date(start.getTime() + 90 * 60_000)), description: '陪孩子读绘本' } },
      volunteer.token,
    );
    await decide(app, secretary.token, log.logService.id);

    // Inspected by the secretary only.
    await refused(INSPECT, { id: wish, a: true }, [volunteer.token, requester.token, partner.owner.token, otherSecretary.token, null], 'FORBIDDEN');
    expect((await app.gqlOk(INSPECT, { id: wish, a: true, n: '孩子很喜欢' }, secretary.token)).inspectRequest.status).toBe('RESOLVED');

    // Rated by the requester only, once.
    await refused(RATE, { id: wish, s: 1 }, [volunteer.token, secretary.token, adminToken, stranger.token, null], 'FORBIDDEN');
    expect((await app.gqlOk(RATE, { id: wish, s: 4, c: '很耐心' }, requester.token)).rateRequest).toMatchObject({ status: 'RESOLVED', rating: { score: 4, comment: '很耐心' } });
    await refused(RATE, { id: wish, s: 5 }, [requester.token], 'INVALID_STATE');

    // The rating is in the volunteer's own record (figures only), the secretary's evaluation beside it ...
    const record = { fulfilledMatches: 1, verifiedServiceMinutes: 90, averageRating: 5, residentRating: 4, residentRatingCount: 1 };
    expect((await app.gqlOk(MY_RECORD, {}, volunteer.token)).me.volunteerRecord).toEqual(record);
    // ... which the community's secretaries and admins read too, and nobody else (the rejected
    // claimant's own record holds nothing of it).
    const seenBy = async (token: string | null) => {
      const res = await app.gqlOk(`query($c: ID!) { community(id: $c) { secretaries { id volunteerRecord ${RECORD} } } }`, { c: stage }, token);
      return res.community.secretaries.find((u: { id: string }) => u.id === volunteer.id).volunteerRecord;
    };
    for (const token of [secretary.token, adminToken]) expect(await seenBy(token)).toEqual(record);
    for (const token of [requester.token, stranger.token, otherSecretary.token, partner.owner.token, null]) expect(await seenBy(token)).toBeNull();
    expect((await app.gqlOk(MY_RECORD, {}, rejectedVolunteer.token)).me.volunteerRecord).toEqual({ fulfilledMatches: 0, verifiedServiceMinutes: 0, averageRating: null, residentRating: null, residentRatingCount: 0 });

    // No partner holds it: neither the one active here, nor any partner with a match on the item.
    expect((await app.gqlOk(STATS, { p: partner.partnerId }, null)).partner.stats).toEqual({ averageRating: null, residentRating: null, residentRatingCount: 0 });
    const [partnerMatches] = await app.db.query(`SELECT count(*)::int AS n FROM demand_match WHERE demand_id = $1 AND partner_id IS NOT NULL`, [item]);
    expect(partnerMatches.n).toBe(0);

    // The public reads the outcome and the score, never who rated.
    const seen = (await app.gqlOk(READ, { id: wish }, null)).residentRequest;
    expect(seen).toMatchObject({ status: 'RESOLVED', requester: null, rating: { score: 4 } });
    expect(seen.history.every((h: { by: unknown; note: unknown }) => h.by === null && h.note === null)).toBe(true);
  });
});

describe.each(['COMPLAINT', 'SUGGESTION'])('a %s, taken on by a partner', (kind) => {
  it('goes from the request to its ratings, and the partners’ resident ratings equal the ones computed here', async () => {
    const { communityId, secretary, otherSecretary, stranger } = await place();
    const [first, second, third, fourth] = [await resident(communityId), await resident(communityId), await resident(communityId), await resident(communityId)];
    // P does the work (its member reports it); Q is active in the community too.
    const p = await activePartner(app, communityId, secretary);
    const pMember = await signUp(app);
    await joinPartner(app, p.owner.token, p.partnerId, pMember);
    const q = await activePartner(app, communityId, secretary);
    /** What each partner should get: the score of every rated request on an item it worked on. */
    const ledger: { score: number; workers: string[] }[] = [];
    const item = async (request: string) =>
      (await app.gqlOk(TRIAGE, { i: { requestId: request, decision: 'TO_DEMAND_LIST', demand: { communityId, title: unique('处理'), category: 'VOLUNTEER_SERVICE', quantity: 2, unit: '次' } } }, secretary.token))
        .triageRequest.demand.id as string;

    // Two residents raise the same matter: the second is merged into the first's item.
    const a = await submit(communityId, first, kind, kind === 'COMPLAINT' ? '夜间装修噪音' : '建议增设快递柜');
    await refused(TRIAGE, { i: { requestId: a, decision: 'DECLINE', reason: '不处理' } }, [first.token, pMember.token, otherSecretary.token, null], 'FORBIDDEN');
    const x = await item(a);
    const b = await submit(communityId, second, kind, kind === 'COMPLAINT' ? '楼上半夜施工' : '快递柜不够用');
    await app.gqlOk(TRIAGE, { i: { requestId: b, decision: 'MERGE', mergeIntoDemandId: x } }, secretary.token);

    // P claims the item; only the secretary approves: both requests are in progress.
    const match = await claim(app, pMember.token, x, p.partnerId, 1);
    await refused(REVIEW, { id: match, d: 'APPROVE', n: null }, [pMember.token, p.owner.token, first.token, otherSecretary.token, null], 'FORBIDDEN');
    await app.gqlOk(REVIEW, { id: match, d: 'APPROVE', n: null }, secretary.token);
    expect([await status(a, first.token), await status(b, second.token)]).toEqual(['IN_PROGRESS', 'IN_PROGRESS']);

    // P's people report it done; the requesters, Q, strangers and other secretaries may not; not before it is in progress.
    await refused(REPORT, { id: a }, [first.token, second.token, q.owner.token, stranger.token, otherSecretary.token, null], 'FORBIDDEN');
    expect((await app.gqlOk(REPORT, { id: a, n: '已上门处理' }, pMember.token)).reportRequestDone.status).toBe('AWAITING_INSPECTION');
    expect((await app.gqlOk(REPORT, { id: b }, p.owner.token)).reportRequestDone.status).toBe('AWAITING_INSPECTION');

    // The secretary inspects: once sent back with a note, then accepted; nobody else inspects; no rating before RESOLVED.
    await refused(INSPECT, { id: a, a: true }, [pMember.token, p.owner.token, first.token, otherSecretary.token, null], 'FORBIDDEN');
    await refused(RATE, { id: a, s: 3 }, [first.token], 'INVALID_STATE');
    expect((await app.gqlOk(INSPECT, { id: a, a: false, n: '还没解决' }, secretary.token)).inspectRequest.status).toBe('IN_PROGRESS');
    await refused(INSPECT, { id: a, a: true }, [secretary.token], 'INVALID_STATE');
    await app.gqlOk(REPORT, { id: a }, pMember.token);
    for (const id of [a, b]) expect((await app.gqlOk(INSPECT, { id, a: true }, secretary.token)).inspectRequest.status).toBe('RESOLVED');

    // Each requester rates their own request once; nobody else rates.
    await refused(RATE, { id: a, s: 5 }, [second.token, pMember.token, p.owner.token, secretary.token, adminToken, null], 'FORBIDDEN');
    await app.gqlOk(RATE, { id: a, s: 3 }, first.token);
    ledger.push({ score: 3, workers: [p.partnerId] });
    await app.gqlOk(RATE, { id: b, s: 5, c: '处理及时' }, second.token);
    ledger.push({ score: 5, workers: [p.partnerId] });
    await refused(RATE, { id: a, s: 1 }, [first.token], 'INVALID_STATE');

    // A third matter: P's claim rejected, Q does the work; the rating is Q's, not P's.
    const c = await submit(communityId, third, kind, kind === 'COMPLAINT' ? '垃圾站异味' : '建议增加垃圾分类指导');
    const y = await item(c);
    const pRejected = await claim(app, pMember.token, y, p.partnerId, 1);
    await app.gqlOk(REVIEW, { id: pRejected, d: 'REJECT', n: '已安排其他单位' }, secretary.token);
    const qMatch = await claim(app, q.owner.token, y, q.partnerId, 1);
    await app.gqlOk(REVIEW, { id: qMatch, d: 'APPROVE', n: null }, secretary.token);
    await refused(REPORT, { id: c }, [pMember.token], 'FORBIDDEN');
    await app.gqlOk(REPORT, { id: c }, q.owner.token);
    await app.gqlOk(INSPECT, { id: c, a: true }, secretary.token);
    await app.gqlOk(RATE, { id: c, s: 1 }, third.token);
    ledger.push({ score: 1, workers: [q.partnerId] });

    // A fourth, worked on by P and Q together: the one rating counts in full for both.
    const d = await submit(communityId, fourth, kind, kind === 'COMPLAINT' ? '小区门口乱停车' : '建议设置非机动车棚');
    const z = await item(d);
    for (const [partner, token] of [[p.partnerId, pMember.token], [q.partnerId, q.owner.token]] as const) {
      await app.gqlOk(REVIEW, { id: await claim(app, token, z, partner, 1), d: 'APPROVE', n: null }, secretary.token);
    }
    await app.gqlOk(REPORT, { id: d }, secretary.token);
    await app.gqlOk(INSPECT, { id: d, a: true }, secretary.token);
    await app.gqlOk(RATE, { id: d, s: 4 }, fourth.token);
    ledger.push({ score: 4, workers: [p.partnerId, q.partnerId] });

    // A fifth, resolved but not rated, on P's item: it counts for nobody.
    const e = await submit(communityId, first, kind, kind === 'COMPLAINT' ? '电梯广告太吵' : '建议开放活动室');
    await app.gqlOk(TRIAGE, { i: { requestId: e, decision: 'MERGE', mergeIntoDemandId: z } }, secretary.token);
    await app.gqlOk(REPORT, { id: e }, pMember.token);
    await app.gqlOk(INSPECT, { id: e, a: true }, secretary.token);

    // Public figures, equal to the ledger's; the secretaries' evaluations stay apart (none here).
    for (const partner of [p.partnerId, q.partnerId]) {
      const scores = ledger.filter((l) => l.workers.includes(partner)).map((l) => l.score);
      const stats = (await app.gqlOk(STATS, { p: partner }, null)).partner.stats;
      expect({ partner, stats }).toEqual({
        partner,
        stats: { averageRating: null, residentRating: expect.closeTo(scores.reduce((s, x) => s + x, 0) / scores.length, 10), residentRatingCount: scores.length },
      });
    }
    expect((await app.gqlOk(STATS, { p: p.partnerId }, null)).partner.stats).toMatchObject({ residentRatingCount: 3, residentRating: expect.closeTo(4, 10) });
  });
});

describe('the records of a page of people', () => {
  it('cost the same statements for one person as for three (one statement for all of them)', async () => {
    const statements = async (people: number) => {
      const { communityId } = await communityWithSecretary(app);
      for (let i = 1; i < people; i++) await app.gqlOk(APPOINT, { c: communityId, u: (await signUp(app)).id }, adminToken);
      const res = await app.gql(`query($c: ID!) { community(id: $c) { secretaries { id volunteerRecord ${RECORD} } } }`, { c: communityId }, adminToken);
      expect(res.data.community.secretaries).toHaveLength(people);
      expect(res.data.community.secretaries.every((u: { volunteerRecord: unknown }) => u.volunteerRecord !== null)).toBe(true);
      return Number(res.headers['x-sql-statements']);
    };
    const one = await statements(1);
    expect(one).toBeGreaterThan(0);
    expect(await statements(3)).toBe(one);
  });
});
