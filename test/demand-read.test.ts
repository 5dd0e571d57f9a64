import { nowMs } from '../src/common/clock';
import { errorCode, startTestApp, type TestApp } from './support/app';
import { activePartner, signUp } from './support/fixtures';
import { CLAIM, FULFIL, EVALUATE, REVIEW, claim, joinCommunity, ok, postDemand, publishOffer, scene } from './support/demand-fixtures';

let app: TestApp;
beforeAll(async () => {
  // The page-size test reads 50 items four levels deep, past the default cost limit on purpose.
  app = await startTestApp({ env: { GRAPHQL_MAX_COST: '100000' } });
});
afterAll(() => app.close());

const ids = (conn: { edges: { node: { id: string } }[] }) => conn.edges.map((e) => e.node.id);

describe('the demand list', () => {
  it('filters by community, category, status and urgency, and searches Chinese text of any length', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const benches = await postDemand(app, secretary.token, communityId, { title: '院子需要六张长椅', description: '老人散步休息', category: 'GOODS', urgency: 'HIGH' });
    const printing = await postDemand(app, secretary.token, communityId, { title: '为孩子网课打印资料', category: 'VOLUNTEER_SERVICE', quantity: 2 });
    const legal = await postDemand(app, secretary.token, communityId, { title: '法律咨询一小时', description: '租赁合同纠纷', category: 'EXPERTISE', quantity: 1 });
    await claim(app, partner.owner.token, legal, partner.partnerId, 1);
    const { communityId: elsewhere, secretary: otherSecretary } = await scene(app);
    const elsewhereBenches = await postDemand(app, otherSecretary.token, elsewhere, { title: '社区长椅维修' });

    const list = async (filter: Record<string, unknown>) =>
      ids(ok(await app.gql(`query($f: DemandFilter) { demandItems(filter: $f, first: 100) { edges { node { id } } } }`, { f: filter }, secretary.token)).demandItems);
    expect(await list({ communityId })).toEqual([benches, printing, legal]);
    expect(await list({ communityId, category: 'GOODS' })).toEqual([benches]);
    expect(await list({ communityId, status: ['MATCHED'] })).toEqual([legal]);
    expect(await list({ communityId, status: ['OPEN', 'CANCELLED'] })).toEqual([benches, printing]);
    expect(await list({ communityId, urgency: 'HIGH' })).toEqual([benches]);
    // Two characters (below a trigram) and longer phrases, in titles and descriptions.
    expect(await list({ search: '长椅' })).toEqual(expect.arrayContaining([benches, elsewhereBenches]));
    expect(await list({ communityId, search: '长椅' })).toEqual([benches]);
    expect(await list({ communityId, search: '网课打印' })).toEqual([printing]);
    expect(await list({ communityId, search: '租赁合同' })).toEqual([legal]);
    expect(await list({ communityId, search: '散步' })).toEqual([benches]);
    expect(await list({ communityId, search: '游泳池' })).toEqual([]);
    // LIKE wildcards in the search are plain characters.
    expect(await list({ communityId, search: '%' })).toEqual([]);
  });

  it('pages with cursors', async () => {
    const { communityId, secretary } = await scene(app);
    const posted: string[] = [];
    for (let i = 0; i < 5; i++) posted.push(await postDemand(app, secretary.token, communityId));
    const page = async (after: string | null) =>
      ok(await app.gql(`query($c: ID!, $a: String) { demandItems(filter: { communityId: $c }, first: 2, after: $a) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }`, { c: communityId, a: after }, secretary.token)).demandItems;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const p = await page(after);
      expect(p.totalCount).toBe(5);
      seen.push(...ids(p));
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(seen).toEqual(posted);
    expect(errorCode(await app.gql(`{ demandItems(after: "garbage") { totalCount } }`, {}, secretary.token))).toBe('BAD_USER_INPUT');
  });
});

describe('the review queue', () => {
  it('lists PENDING_REVIEW claims of one community, URGENT first, then oldest first', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const low = await postDemand(app, secretary.token, communityId, { urgency: 'LOW' });
    const normal = await postDemand(app, secretary.token, communityId, { urgency: 'NORMAL' });
    const urgent = await postDemand(app, secretary.token, communityId, { urgency: 'URGENT' });
    const high = await postDemand(app, secretary.token, communityId, { urgency: 'HIGH' });
    const m1 = await claim(app, partner.owner.token, normal, partner.partnerId, 1);
    const m2 = await claim(app, partner.owner.token, low, partner.partnerId, 1);
    const m3 = await claim(app, partner.owner.token, urgent, partner.partnerId, 1);
    const m4 = await claim(app, partner.owner.token, normal, partner.partnerId, 1);
    const m5 = await claim(app, partner.owner.token, high, partner.partnerId, 1);
    const m6 = await claim(app, partner.owner.token, urgent, partner.partnerId, 1);
    const reviewed = await claim(app, partner.owner.token, urgent, partner.partnerId, 1);
    ok(await app.gql(REVIEW, { id: reviewed, d: 'APPROVE' }, secretary.token));
    // Another community's claims stay out.
    const other = await scene(app);
    await claim(app, other.partner.owner.token, await postDemand(app, other.secretary.token, other.communityId, { urgency: 'URGENT' }), other.partner.partnerId, 1);

    const queue = async (first: number, after: string | null) =>
      ok(await app.gql(
        `query($c: ID!, $f: Int, $a: String) { reviewQueue(communityId: $c, first: $f, after: $a) { totalCount pageInfo { hasNextPage endCursor } edges { node { id status demand { urgency } } } } }`,
        { c: communityId, f: first, a: after },
        secretary.token,
      )).reviewQueue;
    const all = await queue(20, null);
    expect(all.totalCount).toBe(6);
    expect(ids(all)).toEqual([m3, m6, m5, m1, m4, m2]);
    // The same order across pages.
    const p1 = await queue(4, null);
    const p2 = await queue(4, p1.pageInfo.endCursor);
    expect([...ids(p1), ...ids(p2)]).toEqual([m3, m6, m5, m1, m4, m2]);
    expect(p2.pageInfo.hasNextPage).toBe(false);
    // One statement: the page, its count and the secretary's roles, checked before the answer (the
    // community is known to this process by now, communities are never deleted).
    const counted = await app.gql(`query($c: ID!) { reviewQueue(communityId: $c, first: 2) { totalCount edges { node { id } } } }`, { c: communityId }, secretary.token);
    expect(counted.data.reviewQueue.totalCount).toBe(6);
    expect(counted.headers['x-sql-statements']).toBe('1');
    // The roles that came with the rows refuse as the roles read first did: FORBIDDEN, nothing of
    // the page, whether the page had rows, had none (past the end), or its cursor was bad.
    const SOME = `query($c: ID!, $a: String) { reviewQueue(communityId: $c, first: 2, after: $a) { totalCount edges { node { id note } } } }`;
    for (const after of [null, p2.pageInfo.endCursor, 'garbage']) {
      for (const token of [partner.owner.token, other.secretary.token]) {
        const refused = await app.gql(SOME, { c: communityId, a: after }, token);
        expect({ after, code: errorCode(refused), data: refused.data }).toEqual({ after, code: 'FORBIDDEN', data: null });
      }
    }
    expect(errorCode(await app.gql(SOME, { c: communityId, a: 'garbage' }, secretary.token))).toBe('BAD_USER_INPUT');
    // An unknown community is still NOT_FOUND (read, not known).
    const unknown = await app.gql(`query($c: ID!) { reviewQueue(communityId: $c) { totalCount } }`, { c: '00000000-0000-4000-8000-000000000000' }, secretary.token);
    expect(unknown.errors?.[0].extensions.code).toBe('NOT_FOUND');
    // Past the end there is no row to carry it: counted on its own.
    const past = await app.gql(`query($c: ID!, $a: String) { reviewQueue(communityId: $c, after: $a) { totalCount edges { node { id } } } }`, { c: communityId, a: p2.pageInfo.endCursor }, secretary.token);
    expect(past.data.reviewQueue).toEqual({ totalCount: 6, edges: [] });
  });
});

describe('suggestions', () => {
  it('rank the better-fitting offer first and say why', async () => {
    const { communityId, secretary } = await scene(app);
    const good = await activePartner(app, communityId, secretary, 'PROPERTY_FIRM');
    const weak = await activePartner(app, communityId, secretary, 'MERCHANT');
    const neededBy = new Date(nowMs() + 10 * 86_400_000).toISOString().slice(0, 10);
    const demandId = await postDemand(app, secretary.token, communityId, {
      title: '院子需要六张木质长椅', description: '供老人散步时休息', category: 'GOODS', quantity: 6, neededBy,
    });
    const best = await publishOffer(app, good.owner.token, good.partnerId, { title: '捐赠木质长椅', description: '全新户外长椅，可供老人休息', quantity: 10 });
    const otherUnit = await publishOffer(app, weak.owner.token, weak.partnerId, { title: '木质长椅', unit: '套', quantity: 6 });
    const partial = await publishOffer(app, weak.owner.token, weak.partnerId, {
      title: '旧办公椅', quantity: 2, availableUntil: new Date(nowMs() + 2 * 86_400_000).toISOString(),
    });
    // Not candidates: another category, paused, all units held, offered elsewhere only, a partner not active here.
    await publishOffer(app, good.owner.token, good.partnerId, { title: '长椅安装志愿服务', category: 'VOLUNTEER_SERVICE' });
    const paused = await publishOffer(app, good.owner.token, good.partnerId, { title: '木质长椅' });
    ok(await app.gql(`mutation($id: ID!) { setOfferStatus(id: $id, status: PAUSED) { id } }`, { id: paused }, good.owner.token));
    const full = await publishOffer(app, good.owner.token, good.partnerId, { title: '木质长椅两张', quantity: 1 });
    await claim(app, good.owner.token, await postDemand(app, secretary.token, communityId, { quantity: 1 }), good.partnerId, 1, full);
    const elsewhere = await scene(app);
    await joinCommunity(app, good.owner, good.partnerId, elsewhere);
    await publishOffer(app, good.owner.token, good.partnerId, { title: '木质长椅', communityIds: [elsewhere.communityId] });
    await publishOffer(app, elsewhere.partner.owner.token, elsewhere.partner.partnerId, { title: '木质长椅' });

    const res = ok(await app.gql(
      `query($id: ID!) { demandItem(id: $id) { suggestions(first: 5) { score reasons offer { id remainingQuantity } partner { id } } } }`,
      { id: demandId },
      secretary.token,
    ));
    const suggestions = res.demandItem.suggestions;
    expect(suggestions.map((s: { offer: { id: string } }) => s.offer.id)).toEqual([best, otherUnit, partial]);
    expect(suggestions[1].reasons).toEqual(expect.arrayContaining(['Offered in 套, needed in 张']));
    expect(suggestions[0].partner.id).toBe(good.partnerId);
    expect(suggestions[0].score).toBeGreaterThan(suggestions[1].score);
    expect(suggestions[1].score).toBeGreaterThan(suggestions[2].score);
    expect(suggestions[0].reasons).toEqual(expect.arrayContaining(['Same category (GOODS)', 'Covers all 6 张 still needed', 'Available with no end date']));
    expect(suggestions[0].reasons.some((r: string) => r.startsWith('Similar wording'))).toBe(true);
    expect(suggestions[2].reasons).toEqual(expect.arrayContaining(['Covers 2 of the 6 张 still needed']));
    expect(suggestions[2].reasons.some((r: string) => r.startsWith('Available only until'))).toBe(true);
    // The shortlist carries the offers' rows (never read again by id): the viewer, the item, the
    // shortlist, then one batch each for partners, their figures and the community.
    const again = await app.gql(
      `query($id: ID!) { demandItem(id: $id) { suggestions(first: 5) { score offer { id title } partner { id name } } } }`,
      { id: demandId },
      secretary.token,
    );
    expect(again.data.demandItem.suggestions.map((s: { offer: { id: string } }) => s.offer.id)).toEqual([best, otherUnit, partial]);
    expect(again.headers['x-sql-statements']).toBe('6');

    // The partner's side: the demand item, with the offer that fits it best.
    const partnerView = ok(await app.gql(
      `query($id: ID!) { partner(id: $id) { suggestedDemands(first: 5) { score reasons demand { id } offer { id } } } }`,
      { id: good.partnerId },
      good.owner.token,
    )).partner.suggestedDemands;
    expect(partnerView[0]).toMatchObject({ demand: { id: demandId }, offer: { id: best } });
    expect(partnerView[0].reasons).toEqual(expect.arrayContaining(['Same category (GOODS)']));
  });

  it('leave out an offer the item already holds a live match on, and bring it back once that match is rejected', async () => {
    const { communityId, secretary } = await scene(app);
    const partner = await activePartner(app, communityId, secretary, 'MERCHANT');
    const demandId = await postDemand(app, secretary.token, communityId, { title: '活动椅子', quantity: 10 });
    const claimed = await publishOffer(app, partner.owner.token, partner.partnerId, { title: '活动椅子', quantity: 10 });
    const other = await publishOffer(app, partner.owner.token, partner.partnerId, { title: '折叠椅子', quantity: 10 });
    const offered = async () =>
      ok(await app.gql(`query($id: ID!) { demandItem(id: $id) { suggestions { offer { id } } } }`, { id: demandId }, secretary.token)).demandItem.suggestions.map(
        (s: { offer: { id: string } }) => s.offer.id,
      );
    expect((await offered()).sort()).toEqual([claimed, other].sort());
    // A claim of 2 from the first offer, awaiting review: that offer is already working on this item.
    const match = await claim(app, partner.owner.token, demandId, partner.partnerId, 2, claimed);
    expect(await offered()).toEqual([other]);
    ok(await app.gql(REVIEW, { id: match, d: 'REJECT' }, secretary.token));
    expect((await offered()).sort()).toEqual([claimed, other].sort());
  });

  it("count a partner's rating and record", async () => {
    const { communityId, secretary } = await scene(app);
    const proven = await activePartner(app, communityId, secretary, 'CHARITY');
    const fresh = await activePartner(app, communityId, secretary, 'CHARITY');
    // The proven partner delivered once and was rated 5.
    const past = await postDemand(app, secretary.token, communityId, { quantity: 1, category: 'FUNDING' });
    const pastMatch = await claim(app, proven.owner.token, past, proven.partnerId, 1);
    ok(await app.gql(REVIEW, { id: pastMatch, d: 'APPROVE' }, secretary.token));
    ok(await app.gql(FULFIL, { id: pastMatch }, secretary.token));
    ok(await app.gql(EVALUATE, { id: pastMatch, i: { rating: 5 } }, secretary.token));

    const demandId = await postDemand(app, secretary.token, communityId, { title: '活动经费', category: 'FUNDING', quantity: 1000, unit: '元' });
    const freshOffer = await publishOffer(app, fresh.owner.token, fresh.partnerId, { title: '活动经费', category: 'FUNDING', quantity: 1000, unit: '元' });
    const provenOffer = await publishOffer(app, proven.owner.token, proven.partnerId, { title: '活动经费', category: 'FUNDING', quantity: 1000, unit: '元' });
    const suggestions = ok(await app.gql(`query($id: ID!) { demandItem(id: $id) { suggestions { reasons offer { id } } } }`, { id: demandId }, secretary.token)).demandItem.suggestions;
    expect(suggestions.map((s: { offer: { id: string } }) => s.offer.id)).toEqual([provenOffer, freshOffer]);
    expect(suggestions[0].reasons).toEqual(expect.arrayContaining(['Partner rated 5.0/5', 'Partner has fulfilled 1 match']));
  });

  it('are empty once nothing remains, and without a sign-in', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const demandId = await postDemand(app, secretary.token, communityId, { quantity: 1 });
    await publishOffer(app, partner.owner.token, partner.partnerId);
    const q = `query($id: ID!) { publicBoard(communityId: "${communityId}") { openDemands { id suggestions { score } } } demandItem(id: $id) { suggestions { score } } }`;
    const before = ok(await app.gql(q, { id: demandId }, secretary.token));
    expect(before.demandItem.suggestions).toHaveLength(1);
    expect(before.publicBoard.openDemands[0].suggestions).toHaveLength(1);
    // Anonymous readers get an empty list, not an error that would erase the board (docs/visibility.md).
    const anonymous = ok(await app.gql(`{ publicBoard(communityId: "${communityId}") { openDemands { id suggestions { score } } } }`));
    expect(anonymous.publicBoard.openDemands).toEqual([{ id: demandId, suggestions: [] }]);
    await claim(app, partner.owner.token, demandId, partner.partnerId, 1);
    expect(ok(await app.gql(q, { id: demandId }, secretary.token)).demandItem.suggestions).toEqual([]);
  });
});

describe('SQL statements of a nested read', () => {
  it('do not grow with the page size', async () => {
    const { communityId, secretary } = await scene(app);
    const partners = await Promise.all([0, 1, 2].map((i) => activePartner(app, communityId, secretary, i ? 'CHARITY' : 'DEPARTMENT')));
    const offers = await Promise.all(partners.map((p) => publishOffer(app, p.owner.token, p.partnerId, { quantity: 1000 })));
    for (let i = 0; i < 50; i++) {
      const demandId = await postDemand(app, secretary.token, communityId, { quantity: 10 });
      const p = i % 3;
      const matchId = await claim(app, partners[p].owner.token, demandId, partners[p].partnerId, 2, offers[p]);
      if (i % 2) ok(await app.gql(REVIEW, { id: matchId, d: 'APPROVE' }, secretary.token));
      await claim(app, partners[(p + 1) % 3].owner.token, demandId, partners[(p + 1) % 3].partnerId, 1);
    }
    const query = `query($c: ID!, $n: Int) { demandItems(filter: { communityId: $c }, first: $n) { edges { node {
        id title remainingQuantity community { id name }
        matches { id status quantity partner { id name } offer { id title remainingQuantity } }
      } } } }`;
    // The secretary sees every match (a stranger only the approved ones, docs/visibility.md); their roles come with the page.
    const viewer = secretary;
    const statements: number[] = [];
    for (const n of [5, 50]) {
      const res = await app.gql(query, { c: communityId, n }, viewer.token);
      expect(res.errors).toBeUndefined();
      expect(res.data.demandItems.edges).toHaveLength(n);
      expect(res.data.demandItems.edges[n - 1].node.matches).toHaveLength(2);
      statements.push(Number(res.headers['x-sql-statements']));
    }
    expect(statements[0]).toBe(statements[1]);
    expect(statements[1]).toBeLessThanOrEqual(5);

    const deeper = `query($c: ID!, $n: Int) { demandItems(filter: { communityId: $c }, first: $n) { edges { node {
        id community { id } history { to }
        matches { id partner { id stats { fulfilledMatches stars } } offer { id partner { id } communities { id } } evaluation { rating } history { to } }
      } } } }`;
    const deep = await Promise.all([5, 50].map((n) => app.gql(deeper, { c: communityId, n }, viewer.token)));
    for (const r of deep) expect(r.errors).toBeUndefined();
    expect(deep[0].headers['x-sql-statements']).toBe(deep[1].headers['x-sql-statements']);
  });
});

describe('a nested read in one statement', () => {
  // Every scalar field of the related types, through a fragment and an alias, so that a column
  // left out of the prefetch or a relation read back wrong shows up as a difference below.
  const FIELDS = `
    fragment Related on DemandItem {
      id title description category quantity unit urgency status neededBy matchedQuantity fulfilledQuantity remainingQuantity createdAt
      place: community { id name district timezone createdAt }
      matches { id quantity origin status note reviewNote reviewedAt fulfilledAt createdAt
        partner { id name category description createdAt }
        offer { id title description category quantity unit remainingQuantity status availableUntil createdAt }
        evaluation { id rating comment createdAt }
        demand { id title } } }`;
  const LIST = `query($c: ID!) { demandItems(filter: { communityId: $c }, first: 20) { edges { node { ...Related } } } } ${FIELDS}`;
  const ONE = `query($id: ID!) { demandItem(id: $id) { ...Related } } ${FIELDS}`;
  // Resolvers that are not prefetched but read ids of prefetched rows (reviewedBy, offer.partner).
  const MORE = `fragment More on DemandItem { matches { reviewedBy { id } offer { partner { id } } } }`;
  const LIST_MORE = `query($c: ID!) { demandItems(filter: { communityId: $c }, first: 20) { edges { node { ...Related ...More } } } } ${FIELDS} ${MORE}`;
  const ONE_MORE = `query($id: ID!) { demandItem(id: $id) { ...Related ...More } } ${FIELDS} ${MORE}`;

  it('answers as the same items read one by one through the loaders would', async () => {
    const { communityId, secretary } = await scene(app);
    const partners = await Promise.all([0, 1].map((i) => activePartner(app, communityId, secretary, i ? 'CHARITY' : 'DEPARTMENT')));
    const offer = await publishOffer(app, partners[0].owner.token, partners[0].partnerId, { quantity: 100 });
    await postDemand(app, secretary.token, communityId, { quantity: 3 }); // no matches
    for (let i = 0; i < 3; i++) {
      const demandId = await postDemand(app, secretary.token, communityId, { quantity: 10 });
      const withOffer = await claim(app, partners[0].owner.token, demandId, partners[0].partnerId, 2, offer);
      ok(await app.gql(REVIEW, { id: withOffer, d: 'APPROVE', n: `审核-${i}` }, secretary.token));
      if (i === 1) {
        ok(await app.gql(FULFIL, { id: withOffer, n: '已送达' }, secretary.token));
        ok(await app.gql(EVALUATE, { id: withOffer, i: { rating: 4, comment: '准时' } }, secretary.token));
      }
      await claim(app, partners[1].owner.token, demandId, partners[1].partnerId, 1); // no offer
    }

    const list = await app.gql(LIST, { c: communityId }, secretary.token);
    expect(list.errors).toBeUndefined();
    expect(list.headers['x-sql-statements']).toBe('1');
    const nodes = list.data.demandItems.edges.map((e: { node: { id: string } }) => e.node);
    expect(nodes).toHaveLength(4);
    expect(nodes.flatMap((n: { matches: unknown[] }) => n.matches)).toHaveLength(6);
    expect(nodes.some((n: { matches: { evaluation: unknown }[] }) => n.matches.some((m) => m.evaluation))).toBe(true);
    for (const node of nodes) {
      const single = await app.gql(ONE, { id: node.id }, secretary.token);
      expect(single.errors).toBeUndefined();
      expect(Number(single.headers['x-sql-statements'])).toBeGreaterThan(1);
      expect(node).toEqual(single.data.demandItem);
    }
    const more = await app.gql(LIST_MORE, { c: communityId }, secretary.token);
    expect(more.errors).toBeUndefined();
    expect(more.headers['x-sql-statements']).toBe('3'); // the page, then one batch each for reviewers and offers' partners
    for (const { node } of more.data.demandItems.edges) {
      const single = await app.gql(ONE_MORE, { id: node.id }, secretary.token);
      expect(node).toEqual(single.data.demandItem);
    }
    expect(more.data.demandItems.edges.some((e: { node: { matches: { reviewedBy: unknown }[] } }) => e.node.matches.some((m) => m.reviewedBy))).toBe(true);
  });

  it('pages by cursor with rows that carry only the selected columns, as with whole rows', async () => {
    const { communityId, secretary } = await scene(app);
    for (let i = 0; i < 5; i++) await postDemand(app, secretary.token, communityId, { quantity: 10 + i });
    // Selecting only columns: the rows come without the others (description, createdBy...); a
    // resolver (history) brings whole rows. Cursors, instants in the community's zone and the
    // computed remainder must not tell the two apart.
    const page = (fields: string) => `query($c: ID!, $after: String) { demandItems(filter: { communityId: $c }, first: 2, after: $after) {
      edges { cursor node { ${fields} } } pageInfo { hasNextPage endCursor } } }`;
    const walk = async (fields: string) => {
      const nodes: Record<string, unknown>[] = [];
      const cursors: string[] = [];
      let after: string | null = null;
      for (;;) {
        const res: { data: { demandItems: unknown }; errors?: unknown } = await app.gql(page(fields), { c: communityId, after }, secretary.token);
        expect(res.errors).toBeUndefined();
        const { edges, pageInfo } = res.data.demandItems as { edges: { cursor: string; node: Record<string, unknown> }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
        nodes.push(...edges.map((e) => e.node));
        cursors.push(...edges.map((e) => e.cursor));
        if (!pageInfo.hasNextPage) return { nodes, cursors };
        after = pageInfo.endCursor;
      }
    };
    const whole = await walk('id createdAt remainingQuantity history { to }');
    // Without the sort key's column selected (the cursor is written from it), then with it.
    const pruned = await walk('id remainingQuantity');
    const zoned = await walk('id createdAt');
    expect(pruned.nodes).toHaveLength(5);
    expect(pruned.cursors).toEqual(whole.cursors);
    expect(zoned.cursors).toEqual(whole.cursors);
    expect(pruned.nodes).toEqual(whole.nodes.map(({ id, remainingQuantity }) => ({ id, remainingQuantity })));
    expect(zoned.nodes).toEqual(whole.nodes.map(({ id, createdAt }) => ({ id, createdAt })));
    expect(pruned.nodes.map((n) => n.remainingQuantity)).toEqual([10, 11, 12, 13, 14]);
    expect(String(zoned.nodes[0].createdAt)).toMatch(/\+08:00$/);

    // hasNextPage at the edge of the list, asked directly or through a fragment; a page that does
    // not ask for it (one row fewer is read) has the same edges.
    const edgesOnly = `query($c: ID!, $n: Int) { demandItems(filter: { communityId: $c }, first: $n) { edges { cursor node { id } } } }`;
    const withInfo = `query($c: ID!, $n: Int) { demandItems(filter: { communityId: $c }, first: $n) { edges { cursor node { id } } ...More } }
      fragment More on DemandItemConnection { info: pageInfo { more: hasNextPage } }`;
    for (const [n, more] of [[4, true], [5, false], [6, false]] as const) {
      const asked = ok(await app.gql(withInfo, { c: communityId, n }, secretary.token)).demandItems;
      expect(asked.info.more).toBe(more);
      expect(ok(await app.gql(edgesOnly, { c: communityId, n }, secretary.token)).demandItems.edges).toEqual(asked.edges);
    }
  });

  it("answers each viewer's nested read as its items read one by one would: its own claims, the others' approved ones", async () => {
    const { communityId, secretary } = await scene(app);
    const [a, b] = await Promise.all([0, 1].map((i) => activePartner(app, communityId, secretary, i ? 'CHARITY' : 'DEPARTMENT')));
    const offer = await publishOffer(app, a.owner.token, a.partnerId, { quantity: 50 });
    for (let i = 0; i < 3; i++) {
      const demandId = await postDemand(app, secretary.token, communityId, { quantity: 10 });
      const own = await claim(app, a.owner.token, demandId, a.partnerId, 2, offer);
      if (i !== 1) ok(await app.gql(REVIEW, { id: own, d: 'APPROVE' }, secretary.token));
      await claim(app, b.owner.token, demandId, b.partnerId, 1); // stays PENDING_REVIEW
    }
    // The bench's selection: the offer's remainingQuantity is computed from two of its columns only.
    const node = `id title remainingQuantity matches { id status partner { id } offer { id title quantity remainingQuantity status } }`;
    const list = `query($c: ID!) { demandItems(filter: { communityId: $c }, first: 20) { edges { node { ${node} } } } }`;
    const one = `query($id: ID!) { demandItem(id: $id) { ${node} } }`;
    const stranger = await signUp(app);
    // secretary: all 6; a's owner: its 3; b's owner: its 3 and a's 2 approved; a stranger: the 2 approved.
    // Only a's claims name an offer.
    for (const [viewer, seen, withOffer] of [[secretary, 6, 3], [a.owner, 3, 3], [b.owner, 5, 2], [stranger, 2, 2]] as const) {
      const res = await app.gql(list, { c: communityId }, viewer.token);
      expect(res.errors).toBeUndefined();
      expect(res.headers['x-sql-statements']).toBe('1');
      const nodes = res.data.demandItems.edges.map((e: { node: { id: string; matches: { offer: unknown }[] } }) => e.node);
      expect(nodes.flatMap((n: { matches: unknown[] }) => n.matches)).toHaveLength(seen);
      expect(nodes.flatMap((n: { matches: { offer: unknown }[] }) => n.matches.filter((m) => m.offer))).toHaveLength(withOffer);
      for (const n of nodes) {
        const single = await app.gql(one, { id: n.id }, viewer.token);
        expect(single.errors).toBeUndefined();
        expect(n).toEqual(single.data.demandItem);
      }
    }
  });

  it('answers the same with prepared statements turned off (DB_PREPARED_STATEMENTS=false)', async () => {
    const { communityId, secretary } = await scene(app);
    const partner = await activePartner(app, communityId, secretary, 'CHARITY');
    const demandId = await postDemand(app, secretary.token, communityId, { quantity: 4 });
    await claim(app, partner.owner.token, demandId, partner.partnerId, 1);
    const plain = await startTestApp({ databaseUrl: app.databaseUrl, env: { DB_PREPARED_STATEMENTS: 'false' } });
    try {
      await plain.gql(`{ me { id } }`, {}, secretary.token); // this process reads the token's version once
      // Several times each: a prepared statement is parsed once per connection, then only executed.
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await app.gql(LIST, { c: communityId }, secretary.token), await plain.gql(LIST, { c: communityId }, secretary.token));
      for (const answer of answers) {
        expect(answer.errors).toBeUndefined();
        expect(answer.headers['x-sql-statements']).toBe('1');
        expect(answer.data).toEqual(answers[0].data);
      }
      expect(answers[0].data.demandItems.edges[0].node.matches).toHaveLength(1);
    } finally {
      await plain.close();
    }
  });

  it('fetches the relations of review-queue and match lists with the page', async () => {
    const { communityId, secretary } = await scene(app);
    const partner = await activePartner(app, communityId, secretary, 'CHARITY');
    const offer = await publishOffer(app, partner.owner.token, partner.partnerId, { quantity: 100 });
    for (let i = 0; i < 3; i++) {
      const demandId = await postDemand(app, secretary.token, communityId, { quantity: 5 });
      await claim(app, partner.owner.token, demandId, partner.partnerId, 1, i ? offer : undefined);
    }
    const node = `id demand { id title remainingQuantity } partner { id name } offer { id remainingQuantity }`;
    const queue = await app.gql(`query($c: ID!) { reviewQueue(communityId: $c) { edges { node { ${node} } } } }`, { c: communityId }, secretary.token);
    const matches = await app.gql(`query($c: ID!) { matches(filter: { communityId: $c }) { edges { node { ${node} } } } }`, { c: communityId }, secretary.token);
    expect(queue.errors).toBeUndefined();
    expect(matches.errors).toBeUndefined();
    expect(queue.data.reviewQueue.edges).toHaveLength(3);
    expect(matches.headers['x-sql-statements']).toBe('1');
    const byId = (edges: { node: { id: string } }[]) => [...edges].sort((a, b) => a.node.id.localeCompare(b.node.id));
    expect(byId(queue.data.reviewQueue.edges)).toEqual(byId(matches.data.matches.edges));
    for (const { node: m } of matches.data.matches.edges) {
      const single = await app.gql(`query($id: ID!) { match(id: $id) { ${node} } }`, { id: m.id }, secretary.token);
      expect(single.data.match).toEqual(m);
    }
    expect(matches.data.matches.edges.filter((e: { node: { offer: unknown } }) => e.node.offer === null)).toHaveLength(1);

    // Resolvers that read columns their query does not select (the demand's category and remaining
    // quantity for suggestions, the partner's calendar token for its members' calendarUrl).
    const resolvers = `id demand { id suggestions { score reasons offer { id } } } partner { id calendarUrl }`;
    const listed = await app.gql(`query($c: ID!) { matches(filter: { communityId: $c }) { edges { node { ${resolvers} } } } }`, { c: communityId }, partner.owner.token);
    expect(listed.errors).toBeUndefined();
    expect(listed.data.matches.edges[0].node.partner.calendarUrl).toEqual(expect.stringContaining('?token='));
    expect(listed.data.matches.edges.some((e: { node: { demand: { suggestions: unknown[] } } }) => e.node.demand.suggestions.length > 0)).toBe(true);
    for (const { node: m } of listed.data.matches.edges) {
      const single = await app.gql(`query($id: ID!) { match(id: $id) { ${resolvers} } }`, { id: m.id }, partner.owner.token);
      expect(single.data.match).toEqual(m);
    }
  });
});

describe("partners' suggested demands", () => {
  it('take the same SQL statements for 1 partner as for 4 in one list', async () => {
    const { communityId, secretary, partner } = await scene(app);
    await postDemand(app, secretary.token, communityId, { title: '需要户外长椅', quantity: 4 });
    await postDemand(app, secretary.token, communityId, { title: '需要折叠桌', quantity: 3 });
    await publishOffer(app, partner.owner.token, partner.partnerId, { title: '可捐赠折叠桌' });
    const partners = [partner];
    for (let i = 0; i < 3; i++) {
      const p = await activePartner(app, communityId, secretary, 'CHARITY');
      await publishOffer(app, p.owner.token, p.partnerId, { title: `可捐赠长椅 ${i}` });
      partners.push(p);
    }
    const query = `query($c: ID!, $n: Int) { partners(filter: { communityId: $c }, first: $n) { edges { node {
        id suggestedDemands(first: 3) { score reasons demand { id title } offer { id } } } } } }`;
    const viewer = await signUp(app);
    const answers = await Promise.all([1, 4].map((n) => app.gql(query, { c: communityId, n }, viewer.token)));
    for (const [i, res] of answers.entries()) {
      expect(res.errors).toBeUndefined();
      expect(res.data.partners.edges).toHaveLength([1, 4][i]);
      for (const edge of res.data.partners.edges) expect(edge.node.suggestedDemands).toHaveLength(2);
    }
    expect(answers[0].headers['x-sql-statements']).toBe(answers[1].headers['x-sql-statements']);
  });
});

describe('the public board', () => {
  it('shows open demands and recently fulfilled matches without signing in, and no personal data', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const open = await postDemand(app, secretary.token, communityId, { title: '需要两台打印机', urgency: 'URGENT', quantity: 2 });
    const done = await postDemand(app, secretary.token, communityId, { title: '六张长椅', quantity: 1 });
    const offerId = await publishOffer(app, partner.owner.token, partner.partnerId);
    const matchId = ok(await app.gql(CLAIM, { i: { demandId: done, partnerId: partner.partnerId, quantity: 1, offerId, note: '联系电话 13800000000' } }, partner.owner.token)).claimDemand.id;
    ok(await app.gql(REVIEW, { id: matchId, d: 'APPROVE', n: '请联系王书记' }, secretary.token));
    ok(await app.gql(FULFIL, { id: matchId }, secretary.token));
    ok(await app.gql(EVALUATE, { id: matchId, i: { rating: 4, comment: '按时送达' } }, secretary.token));

    const board = `query($c: ID!) { publicBoard(communityId: $c) {
        openDemands { id title status remainingQuantity community { id } matches { id } history { to } }
        recentlyFulfilled { id quantity status note reviewNote reviewedBy { id email displayName } offer { id } history { to }
          partner { id name } demand { id title } rating evaluation { rating comment evaluatedBy { displayName email } } }
      } }`;
    const res = await app.gql(board, { c: communityId });
    expect(res.errors).toBeUndefined();
    expect(res.data.publicBoard.openDemands).toEqual([
      { id: open, title: '需要两台打印机', status: 'OPEN', remainingQuantity: 2, community: { id: communityId }, matches: [], history: [] },
    ]);
    const [fulfilled] = res.data.publicBoard.recentlyFulfilled;
    expect(fulfilled).toMatchObject({
      id: matchId,
      status: 'FULFILLED',
      note: null,
      reviewNote: null,
      reviewedBy: null,
      offer: null,
      history: [],
      partner: { id: partner.partnerId },
      demand: { id: done, title: '六张长椅' },
      rating: 4,
      evaluation: null,
    });
    expect(JSON.stringify(res.data)).not.toMatch(/@example\.com|13800000000|王书记|按时送达/);

    // Signed-in strangers see the offer but no notes; the partner's members see the notes (docs/visibility.md).
    const stranger = ok(await app.gql(board, { c: communityId }, (await signUp(app)).token));
    expect(stranger.publicBoard.recentlyFulfilled[0]).toMatchObject({ note: null, reviewNote: null, offer: { id: offerId }, rating: 4, evaluation: null });
    const member = ok(await app.gql(board, { c: communityId }, partner.owner.token));
    expect(member.publicBoard.recentlyFulfilled[0]).toMatchObject({ note: '联系电话 13800000000', reviewNote: '请联系王书记', offer: { id: offerId }, evaluation: { comment: '按时送达' } });
  });
});
