import { startTestApp, count, errorCode, type TestApp, type GqlResult } from './support/app';
import { POST_DEMAND, PUBLISH_OFFER, ok, postDemand, scene, type Scene } from './support/demand-fixtures';
import { communityWithSecretary, registerPartner, signUp, unique } from './support/fixtures';
import { wsClient, bearer } from './support/live';
import { CREATE_ROOM, MARK_NOTIFICATIONS_READ, REGISTER_PARTNER } from './support/documents';

/** Issue #11 item 8: bad text, dates and cursors never reach PostgreSQL; refusals name the field. */
let app: TestApp;
let s: Scene;

beforeAll(async () => {
  app = await startTestApp();
  s = await scene(app);
});
afterAll(() => app.close());

const fieldsOf = (res: GqlResult) => res.errors?.[0]?.extensions.fields?.map((f) => f.path);
const demandInput = (extra: Record<string, unknown> = {}) => ({ communityId: s.communityId, title: unique('长椅'), category: 'GOODS', quantity: 6, unit: '张', ...extra });

describe('text inputs', () => {
  it.each([
    ['a NUL byte', 'title', '长椅\u0000'],
    ['a bidi override', 'title', 'abc\u202Etxt.exe'],
    ['a bidi isolate', 'unit', '张\u2066'],
    ['an ANSI escape', 'description', 'red \u001b[31malert\u001b[0m'],
    ['a C1 control character', 'description', 'x\u0085y'],
    ['a newline in a one-line field', 'title', 'two\nlines'],
    ['a tab in a one-line field', 'unit', 'a\tb'],
  ])('refuses %s in an input field with BAD_USER_INPUT naming it, storing nothing', async (_what, field, value) => {
    const before = await count(app.db, 'demand_item');
    const res = await app.gql(POST_DEMAND, { i: demandInput({ [field]: value }) }, s.secretary.token);
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(res)).toEqual([`input.${field}`]);
    expect(await count(app.db, 'demand_item')).toBe(before);
  });

  it('accepts newlines and tabs in a multi-line field, and ordinary Chinese text and emoji', async () => {
    const res = await app.gql(POST_DEMAND, { i: demandInput({ title: '需要长椅 🪑「急」', description: '第一行\n第二行\r\n\t缩进' }) }, s.secretary.token);
    expect(res.errors).toBeUndefined();
    expect(res.data.postDemand.id).toBeTruthy();
  });

  it('refuses a NUL byte in a plain string argument, written literally or as a variable', async () => {
    const demandId = await postDemand(app, s.secretary.token, s.communityId);
    const literal = await app.gql(`mutation { cancelDemand(id: "${demandId}", reason: "no\\u0000") { id } }`, {}, s.secretary.token);
    expect(errorCode(literal)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(literal)).toEqual(['reason']);
    const variable = await app.gql(`mutation($r: String!) { cancelDemand(id: "${demandId}", reason: $r) { id } }`, { r: 'no\u0000' }, s.secretary.token);
    expect(errorCode(variable)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(variable)).toEqual(['reason']);
    expect(await count(app.db, 'demand_item', `id = $1 AND status = 'OPEN'`, [demandId])).toBe(1);
  });

  it('refuses a NUL byte in search filters and list items (reads too)', async () => {
    const search = await app.gql(`query($f: DemandFilter) { demandItems(filter: $f) { totalCount } }`, { f: { search: 'a\u0000' } });
    expect(errorCode(search)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(search)).toEqual(['filter.search']);
    const partners = await app.gql(`query { partners(filter: { search: "\\u0000" }) { totalCount } }`);
    expect(errorCode(partners)).toBe('BAD_USER_INPUT');
    const ids = await app.gql(MARK_NOTIFICATIONS_READ, { ids: ['x', 'y\u0000'] }, s.secretary.token);
    expect(errorCode(ids)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(ids)).toEqual(['ids[1]']);
  });

  it('refuses the same over WebSocket', async () => {
    const client = wsClient(app.server, bearer(s.secretary.token));
    try {
      const result = await new Promise<any>((resolve, reject) => {
        let last: unknown;
        client.subscribe(
          { query: POST_DEMAND, variables: { i: demandInput({ title: 'ws\u0000' }) } },
          { next: (r) => (last = r), error: reject, complete: () => resolve(last) },
        );
      });
      expect(result.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(result.errors[0].extensions.fields).toEqual([{ path: 'input.title', message: expect.any(String) }]);
    } finally {
      await client.dispose();
    }
  });
});

describe('request errors over WebSocket', () => {
  /** The errors of one operation over graphql-ws (graphql-ws hands refusals before execution to `error`). */
  const overSocket = async (query: string, variables: Record<string, unknown>) => {
    const client = wsClient(app.server, bearer(s.secretary.token));
    try {
      return await new Promise<{ extensions?: { code?: string } }[]>((resolve, reject) => {
        let errors: { extensions?: { code?: string } }[] = [];
        client.subscribe(
          { query, variables },
          {
            next: (r) => (errors = (r.errors as unknown as typeof errors) ?? []),
            error: (e) => (Array.isArray(e) ? resolve(e) : reject(e)),
            complete: () => resolve(errors),
          },
        );
      });
    } finally {
      await client.dispose();
    }
  };

  it('answers a variable of the wrong type with BAD_USER_INPUT, as over HTTP (not INTERNAL_SERVER_ERROR)', async () => {
    const errors = await overSocket(`query($f: DemandFilter) { demandItems(filter: $f) { totalCount } }`, { f: { search: 1234 } });
    expect(errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    const date = await overSocket(POST_DEMAND, { i: demandInput({ neededBy: 'yesterday' }) });
    expect(date.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers an invalid or unparsable document with GRAPHQL_VALIDATION_FAILED / GRAPHQL_PARSE_FAILED', async () => {
    expect((await overSocket(`{ noSuchField }`, {})).map((e) => e.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect((await overSocket(`{ communities(`, {})).map((e) => e.extensions?.code)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });
});

describe('blank required text', () => {
  it('is refused with BAD_USER_INPUT naming the field (it would be stored empty once trimmed)', async () => {
    const before = await count(app.db, 'partner');
    const res = await app.gql(REGISTER_PARTNER, { i: { name: '   ', category: 'CHARITY' } }, s.secretary.token);
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(res)).toEqual(['input.name']);
    expect(await count(app.db, 'partner')).toBe(before);
  });
});

describe('dates', () => {
  it.each([
    ['9999-12-31'],
    ['2101-01-01'],
  ])('refuses neededBy %s', async (neededBy) => {
    const before = await count(app.db, 'demand_item');
    const res = await app.gql(POST_DEMAND, { i: demandInput({ neededBy }) }, s.secretary.token);
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(res)).toEqual(['input.neededBy']);
    expect(await count(app.db, 'demand_item')).toBe(before);
  });

  it('refuses out-of-range instants in filters and local dates', async () => {
    const bookings = await app.gql(`query($f: BookingFilter!) { bookings(filter: $f) { totalCount } }`, { f: { communityId: s.communityId, from: '0001-01-01T00:00:00Z' } }, s.secretary.token);
    expect(errorCode(bookings)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(bookings)).toEqual(['filter.from']);
    const terminate = await app.gql(`mutation { terminateContract(id: "00000000-0000-4000-8000-000000000000", effectiveOn: "9999-12-31", reason: "x") { id } }`, {}, s.secretary.token);
    expect(errorCode(terminate)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(terminate)).toEqual(['effectiveOn']);
  });

  it('still accepts a neededBy within the range', async () => {
    const res = await app.gql(POST_DEMAND, { i: demandInput({ neededBy: '2099-12-31' }) }, s.secretary.token);
    expect(res.errors).toBeUndefined();
  });
});

describe('cursors', () => {
  const cursor = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  it.each([
    ['garbage values', cursor(['garbage', 'not-a-uuid'])],
    ['objects', cursor([{}, []])],
    ['a number for an instant', cursor([1e300, '00000000-0000-4000-8000-000000000000'])],
    ['too few values', cursor(['2025-01-01T00:00:00.000Z'])],
    ['not base64 JSON', '%%%not a cursor'],
    ['a NUL byte', cursor(['2025-01-01T00:00:00.000Z\u0000', '00000000-0000-4000-8000-000000000000'])],
  ])('refuses a cursor with %s, naming after', async (_what, after) => {
    const res = await app.gql(`query($a: String) { communities(first: 2, after: $a) { edges { cursor } } }`, { a: after });
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(res)).toEqual(['after']);
  });

  it('refuses a garbage cursor on a list ordered by a number first (the review queue)', async () => {
    const res = await app.gql(`query($c: ID!, $a: String) { reviewQueue(communityId: $c, after: $a) { totalCount } }`, { c: s.communityId, a: cursor(['x', 'y', 'z']) }, s.secretary.token);
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(res)).toEqual(['after']);
  });

  it('still pages with the cursors it hands out', async () => {
    await communityWithSecretary(app);
    const first = ok(await app.gql(`{ communities(first: 1) { edges { node { id } } pageInfo { endCursor } } }`));
    const next = ok(await app.gql(`query($a: String) { communities(first: 1, after: $a) { edges { node { id } } } }`, { a: first.communities.pageInfo.endCursor }));
    expect(next.communities.edges[0].node.id).not.toBe(first.communities.edges[0].node.id);
  });
});

describe('publishOffer', () => {
  it('refuses to offer into a community where the partner has no ACTIVE partnership (FORBIDDEN, like claimDemand)', async () => {
    const owner = await signUp(app, unique('owner'));
    const partnerId = await registerPartner(app, owner);
    const before = await count(app.db, 'supply_offer');
    const res = await app.gql(PUBLISH_OFFER, { i: { partnerId, title: '捐赠', category: 'GOODS', quantity: 1, unit: '张', communityIds: [s.communityId] } }, owner.token);
    expect(errorCode(res)).toBe('FORBIDDEN');
    expect(fieldsOf(res)).toEqual(['input.communityIds[0]']);
    expect(await count(app.db, 'supply_offer')).toBe(before);
  });

  it('accepts an offer into a community of an ACTIVE partnership', async () => {
    const res = await app.gql(PUBLISH_OFFER, { i: { partnerId: s.partner.partnerId, title: '捐赠', category: 'GOODS', quantity: 1, unit: '张', communityIds: [s.communityId] } }, s.partner.owner.token);
    expect(res.errors).toBeUndefined();
  });
});

describe('variables with many bad items', () => {
  it('stop being coerced after 50 errors: one short refusal, nothing stored, the server free for others', async () => {
    const { communityId, secretary } = await communityWithSecretary(app);
    const weeklySlots = Array.from({ length: 2000 }, () => ({ weekday: 'SOMEDAY', startTime: 25, endTime: null }));
    const res = await app.gql(CREATE_ROOM, { i: { communityId, name: 'x', capacity: 10, weeklySlots } }, secretary.token);
    expect(res.status).toBe(400);
    expect(res.errors!.length).toBeLessThanOrEqual(51);
    expect(res.errors!.length).toBeGreaterThan(1);
    expect(res.errors!.every((e) => e.extensions.code === 'BAD_USER_INPUT')).toBe(true);
    expect(await count(app.db, 'room', 'community_id = $1', [communityId])).toBe(0);
    expect((await app.gql(`{ me { id } }`, {}, secretary.token)).data.me.id).toBe(secretary.id);
  });
});
