import { appAndChild, post, type AppAndChild } from './support/child-app';
import { count, errorCode, type TestApp } from './support/app';
import { FULFIL, REVIEW, WITHDRAW, claim, postDemand, publishOffer } from './support/demand-fixtures';
import { activePartner, communityWithSecretary, signUp, unique, type Account } from './support/fixtures';
import { decide, iso, LOG_SERVICE, minutesAgo } from './support/service-hours';

/*
 * Individual volunteers (issue #14 item 3) through the API on PostgreSQL: a resident claims a
 * WISH item alone, the secretary reviews it like any claim, the match names its volunteer to the
 * volunteer, the community's secretaries and admins only, the over-claim guarantee holds across two
 * server processes, and the volunteer logs service hours against the match.
 */

let both: AppAndChild;
let app: TestApp;
let adminToken = '';
beforeAll(async () => {
  both = await appAndChild();
  app = both.app;
  adminToken = await app.adminToken();
}, 120_000);
afterAll(() => both.close());

const JOIN = `mutation($c: ID!) { joinCommunity(communityId: $c) { verified } }`;
const LEAVE = `mutation($c: ID!) { leaveCommunity(communityId: $c) }`;
const SUBMIT = `mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { id } }`;
const TRIAGE = `mutation($i: TriageRequestInput!) { triageRequest(input: $i) { demand { id } } }`;
const CLAIM_ALONE = `mutation($i: ClaimDemandInput!) { claimDemand(input: $i) { id status origin quantity partner { id } volunteer { id } } }`;
const READ = `query($id: ID!) { match(id: $id) { id status partner { id } volunteer { id } } }`;
const NESTED = `query($id: ID!) { demandItem(id: $id) { matches { id partner { id } volunteer { id } } } }`;
const INBOX = `{ notifications { edges { node { kind message } } } }`;

async function resident(communityId: string): Promise<Account & { name: string }> {
  const name = unique('resident');
  const person = await signUp(app, name);
  await app.gqlOk(JOIN, { c: communityId }, person.token);
  return { ...person, name };
}

/** A community with its secretary, and a demand item a resident's request of `kind` put on the list. */
async function itemFromRequest(kind: 'WISH' | 'REPAIR', quantity = 1, at?: { communityId: string; secretary: Account }) {
  const { communityId, secretary } = at ?? (await communityWithSecretary(app));
  const requester = await resident(communityId);
  const request = (await app.gqlOk(SUBMIT, { i: { communityId, kind, title: '想学用智能手机', description: '家里老人想学视频通话' } }, requester.token)).submitRequest;
  const demand = { communityId, title: unique('教老人用手机'), category: 'VOLUNTEER_SERVICE', quantity, unit: '次' };
  const triaged = await app.gqlOk(TRIAGE, { i: { requestId: request.id, decision: 'TO_DEMAND_LIST', demand } }, secretary.token);
  return { communityId, secretary, requester, demandId: triaged.triageRequest.demand.id as string };
}

/** What the database holds of an item's claims: live matches, their units, and the item's matched quantity. */
async function held(demandId: string) {
  const [row] = await app.db.query(
    `SELECT (SELECT count(*)::int FROM demand_match WHERE demand_id = $1 AND status IN ('PROPOSED', 'PENDING_REVIEW', 'APPROVED', 'FULFILLED')) AS live,
            (SELECT count(*)::int FROM demand_match WHERE demand_id = $1) AS matches,
            matched_quantity AS matched
       FROM demand_item WHERE id = $1`,
    [demandId],
  );
  return row as { live: number; matches: number; matched: number };
}

async function inbox(token: string): Promise<{ kind: string; message: string }[]> {
  return (await app.gqlOk(INBOX, {}, token)).notifications.edges.map((e: { node: { kind: string; message: string } }) => e.node);
}

describe('a resident claims a wish alone', () => {
  it('holds the units for the secretary to review; the match names its volunteer and no partner; approval tells the volunteer', async () => {
    const { secretary, demandId } = await itemFromRequest('WISH', 2);
    const communityId = (await app.db.query(`SELECT community_id FROM demand_item WHERE id = $1`, [demandId]))[0].community_id;
    const volunteer = await resident(communityId);

    const res = await app.gql(CLAIM_ALONE, { i: { demandId, quantity: 1, note: '周六下午可以' } }, volunteer.token);
    expect(res.errors).toBeUndefined();
    const match = res.data.claimDemand;
    expect(match).toEqual({ id: expect.any(String), status: 'PENDING_REVIEW', origin: 'CLAIM', quantity: 1, partner: null, volunteer: { id: volunteer.id } });
    expect(await held(demandId)).toEqual({ live: 1, matches: 1, matched: 1 });
    expect(await count(app.db, 'demand_match', 'id = $1 AND volunteer_id = $2 AND partner_id IS NULL', [match.id, volunteer.id])).toBe(1);
    // The secretary hears of the claim, naming the volunteer.
    expect(await inbox(secretary.token)).toContainEqual({ kind: 'MATCH_PENDING_REVIEW', message: expect.stringContaining(`${volunteer.name} claimed 1 次`) });

    const reviewed = await app.gql(REVIEW, { id: match.id, d: 'APPROVE', n: '谢谢' }, secretary.token);
    expect(reviewed.errors).toBeUndefined();
    expect((await app.gqlOk(READ, { id: match.id }, volunteer.token)).match).toMatchObject({ status: 'APPROVED', volunteer: { id: volunteer.id } });
    // The volunteer is told of the decision, in their inbox, from the catalogue.
    const told = await inbox(volunteer.token);
    expect(told).toHaveLength(1);
    expect(told[0].kind).toBe('MATCH_APPROVED');
  });

  it('refuses whoever does not live in the community (also after leaving), a non-wish item, and an offer without a partner, changing nothing', async () => {
    const { communityId, secretary, demandId } = await itemFromRequest('WISH', 3);
    const repair = (await itemFromRequest('REPAIR', 3, { communityId, secretary })).demandId;
    const posted = await postDemand(app, secretary.token, communityId, { quantity: 3 });
    const stranger = await signUp(app);
    const gone = await resident(communityId);
    await app.gqlOk(LEAVE, { c: communityId }, gone.token);
    const neighbour = await resident(communityId);
    const rows = () => app.db.query(`SELECT * FROM demand_match ORDER BY id`);
    const items = () => app.db.query(`SELECT id, matched_quantity, status FROM demand_item ORDER BY id`);
    const before = [await rows(), await items()];

    for (const person of [stranger, gone]) {
      const refused = await app.gql(CLAIM_ALONE, { i: { demandId, quantity: 1 } }, person.token);
      expect(errorCode(refused)).toBe('FORBIDDEN');
      expect(refused.errors![0].message).toBe('Only residents of this community may claim alone; join it first or claim for a partner');
    }
    for (const item of [repair, posted]) {
      const notWish = await app.gql(CLAIM_ALONE, { i: { demandId: item, quantity: 1 } }, neighbour.token);
      expect(errorCode(notWish)).toBe('BAD_USER_INPUT');
      expect(notWish.errors![0].extensions.fields).toEqual([{ path: 'input.partnerId', message: "needs partnerId: only residents' wishes (WISH) may be claimed alone" }]);
    }
    const { partnerId, owner } = await activePartner(app, communityId, secretary);
    const offerId = await publishOffer(app, owner.token, partnerId);
    const withOffer = await app.gql(CLAIM_ALONE, { i: { demandId, quantity: 1, offerId } }, neighbour.token);
    expect(errorCode(withOffer)).toBe('BAD_USER_INPUT');
    expect(withOffer.errors![0].extensions.fields).toEqual([{ path: 'input.offerId', message: "needs partnerId: an offer is a partner's" }]);
    const anonymous = await app.gql(CLAIM_ALONE, { i: { demandId, quantity: 1 } }, null);
    expect(errorCode(anonymous)).toBe('UNAUTHENTICATED');

    expect([await rows(), await items()]).toEqual(before);
  });

  it('lets the volunteer withdraw their own claim, and nobody else living there', async () => {
    const { communityId, demandId } = await itemFromRequest('WISH', 1);
    const volunteer = await resident(communityId);
    const other = await resident(communityId);
    const id = (await app.gqlOk(CLAIM_ALONE, { i: { demandId, quantity: 1 } }, volunteer.token)).claimDemand.id;
    const refused = await app.gql(WITHDRAW, { id, r: '不去了' }, other.token);
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect(await held(demandId)).toEqual({ live: 1, matches: 1, matched: 1 });
    expect((await app.gql(WITHDRAW, { id, r: '临时有事' }, volunteer.token)).errors).toBeUndefined();
    expect(await held(demandId)).toEqual({ live: 0, matches: 1, matched: 0 });
  });
});

describe('no over-claim by individuals', () => {
  it('30 residents race for a wish of quantity 1 across two server processes: exactly one holds it, the others get CONFLICT', async () => {
    const { communityId, demandId } = await itemFromRequest('WISH', 1);
    const racers = await Promise.all(Array.from({ length: 30 }, () => resident(communityId)));
    const results = await Promise.all(
      racers.map((r, i) =>
        i % 2 === 0
          ? app.gql(CLAIM_ALONE, { i: { demandId, quantity: 1 } }, r.token)
          : post(both.child.url, CLAIM_ALONE, { i: { demandId, quantity: 1 } }, { authorization: `Bearer ${r.token}`, 'accept-language': 'en' }).then((res) => res.body),
      ),
    );
    const won = results.filter((r) => !r.errors);
    const lost = results.filter((r) => r.errors);
    expect(won).toHaveLength(1);
    expect(lost.map((r) => r.errors![0].extensions.code)).toEqual(Array(29).fill('CONFLICT'));
    expect(await held(demandId)).toEqual({ live: 1, matches: 1, matched: 1 });
    const winner = racers.find((r) => r.id === won[0].data.claimDemand.volunteer.id);
    expect(await count(app.db, 'demand_match', 'demand_id = $1 AND volunteer_id = $2', [demandId, winner!.id])).toBe(1);
  });
});

describe('who reads the volunteer', () => {
  it('the volunteer, the secretaries and admins; never anonymous readers, strangers or partners', async () => {
    const { communityId, secretary, demandId } = await itemFromRequest('WISH', 1);
    const volunteer = await resident(communityId);
    const id = (await app.gqlOk(CLAIM_ALONE, { i: { demandId, quantity: 1 } }, volunteer.token)).claimDemand.id;
    await app.gqlOk(REVIEW, { id, d: 'APPROVE', n: null }, secretary.token);
    const partner = await activePartner(app, communityId, secretary);
    const stranger = await signUp(app);

    // Fulfilled, it is on the public board: as an outcome, without the person.
    await app.gqlOk(FULFIL, { id, n: null }, secretary.token);
    const board = await app.gqlOk(`query($c: ID!) { publicBoard(communityId: $c) { recentlyFulfilled { id status partner { id } volunteer { id } } } }`, { c: communityId }, null);
    expect(board.publicBoard.recentlyFulfilled).toEqual([{ id, status: 'FULFILLED', partner: null, volunteer: null }]);
    expect(errorCode(await app.gql(READ, { id }, null))).toBe('UNAUTHENTICATED');

    // The row is public, the person is not.
    for (const token of [stranger.token, partner.owner.token]) {
      expect((await app.gqlOk(READ, { id }, token)).match).toEqual({ id, status: 'FULFILLED', partner: null, volunteer: null });
      expect((await app.gqlOk(NESTED, { id: demandId }, token)).demandItem.matches).toEqual([{ id, partner: null, volunteer: null }]);
    }
    for (const token of [volunteer.token, secretary.token, adminToken]) {
      expect((await app.gqlOk(READ, { id }, token)).match).toEqual({ id, status: 'FULFILLED', partner: null, volunteer: { id: volunteer.id } });
      expect((await app.gqlOk(NESTED, { id: demandId }, token)).demandItem.matches).toEqual([{ id, partner: null, volunteer: { id: volunteer.id } }]);
    }
  });

  it('a claim still in review is the volunteer’s and the secretaries’ only', async () => {
    const { communityId, secretary, demandId } = await itemFromRequest('WISH', 1);
    const volunteer = await resident(communityId);
    const id = (await app.gqlOk(CLAIM_ALONE, { i: { demandId, quantity: 1 } }, volunteer.token)).claimDemand.id;
    const stranger = await signUp(app);
    expect((await app.gqlOk(READ, { id }, stranger.token)).match).toBeNull();
    expect((await app.gqlOk(READ, { id }, volunteer.token)).match).toMatchObject({ status: 'PENDING_REVIEW', volunteer: { id: volunteer.id } });
    expect((await app.gqlOk(NESTED, { id: demandId }, volunteer.token)).demandItem.matches).toEqual([{ id, partner: null, volunteer: { id: volunteer.id } }]);
    expect((await app.gqlOk(READ, { id }, secretary.token)).match).toMatchObject({ volunteer: { id: volunteer.id } });
  });
});

describe('service hours on an individual match', () => {
  it('the volunteer logs hours against their own match without a partner, the secretary verifies them; others may not log against it', async () => {
    const { communityId, secretary, demandId } = await itemFromRequest('WISH', 1);
    const volunteer = await resident(communityId);
    const matchId = (await app.gqlOk(CLAIM_ALONE, { i: { demandId, quantity: 1 } }, volunteer.token)).claimDemand.id;
    const start = minutesAgo(180);
    const input = (extra: Record<string, unknown> = {}) => ({
      i: { communityId, matchId, startedAt: iso(start), endedAt: iso(new Date(start.getTime() + 90 * 60_000)), description: '教老人视频通话', ...extra },
    });

    // Not before the secretary approved it.
    const early = await app.gql(LOG_SERVICE, input(), volunteer.token);
    expect(errorCode(early)).toBe('INVALID_STATE');
    await app.gqlOk(REVIEW, { id: matchId, d: 'APPROVE', n: null }, secretary.token);

    const other = await resident(communityId);
    const notTheirs = await app.gql(LOG_SERVICE, input(), other.token);
    expect(errorCode(notTheirs)).toBe('BAD_USER_INPUT');
    expect(notTheirs.errors![0].extensions.fields).toEqual([{ path: 'input.matchId', message: 'is not a match you took on alone in this community' }]);
    expect(await count(app.db, 'service_log', 'match_id = $1', [matchId])).toBe(0);

    const logged = await app.gql(LOG_SERVICE, input(), volunteer.token);
    expect(logged.errors).toBeUndefined();
    expect(logged.data.logService).toMatchObject({ status: 'PENDING', minutes: 90, volunteer: { id: volunteer.id }, partner: null, community: { id: communityId } });
    expect(await count(app.db, 'service_log', 'match_id = $1 AND volunteer_id = $2', [matchId, volunteer.id])).toBe(1);

    const verified = await decide(app, secretary.token, logged.data.logService.id);
    expect(verified).toMatchObject({ status: 'VERIFIED', verifiedBy: { id: secretary.id } });
  });

  it("a partner's match still needs its partner", async () => {
    const { communityId, secretary, demandId } = await itemFromRequest('WISH', 2);
    const { partnerId, owner } = await activePartner(app, communityId, secretary);
    const matchId = await claim(app, owner.token, demandId, partnerId, 1);
    await app.gqlOk(REVIEW, { id: matchId, d: 'APPROVE', n: null }, secretary.token);
    const start = minutesAgo(120);
    const res = await app.gql(LOG_SERVICE, { i: { communityId, matchId, startedAt: iso(start), endedAt: iso(new Date(start.getTime() + 30 * 60_000)), description: '服务' } }, owner.token);
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0].extensions.fields).toEqual([{ path: 'input.matchId', message: 'needs partnerId: service for a match is given for its partner' }]);
    // A partner's claim of a wish is unchanged: the partner is named, no volunteer.
    expect((await app.gqlOk(READ, { id: matchId }, secretary.token)).match).toMatchObject({ partner: { id: partnerId }, volunteer: null });
  });
});

