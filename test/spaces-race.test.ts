import { count, type TestApp } from './support/app';
import { appAndChild, post as postTo, type AppAndChild, type ChildApp } from './support/child-app';
import { activePartner, signUp } from './support/fixtures';
import { localDate, nextOccurrence, propose, REVIEW, slot, spaceSetup, BOOK } from './support/spaces';
import { APPOINT_SECRETARY } from './support/documents';

/** Two server processes on one database: this one, and a forked child with its own pool. */
let app: TestApp;
let child: ChildApp;
let both: AppAndChild;
beforeAll(async () => {
  both = await appAndChild();
  ({ app, child } = both);
}, 120_000);
afterAll(() => both?.close());

const parentUrl = () => both.appUrl;

const post = async (base: string, query: string, variables: Record<string, unknown>, token: string) =>
  (await postTo(base, query, variables, { authorization: `Bearer ${token}` })).body;

describe('double booking across two server processes', () => {
  it('confirms exactly one of 100 simultaneous bookSlot requests for one occurrence; the other 99 get CONFLICT', async () => {
    const s = await spaceSetup(app, [slot('SATURDAY', '09:00', '11:30'), slot('SUNDAY', '09:00', '11:30')]);
    const others = await Promise.all([1, 2, 3].map(() => activePartner(app, s.communityId, s.secretary, 'CHARITY')));
    const bookers = [{ token: s.owner.token, partnerId: s.partnerId }, ...others.map((o) => ({ token: o.owner.token, partnerId: o.partnerId }))];
    const occ = await nextOccurrence(app, s.roomId);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => {
        const who = bookers[i % bookers.length];
        const input = { roomId: s.roomId, partnerId: who.partnerId, start: occ.start, purpose: `请求 ${i}` };
        return post(i % 2 ? child.url : parentUrl(), BOOK, { i: input }, who.token);
      }),
    );
    const codes = results.map((r) => (r.errors ? r.errors[0].extensions.code : 'OK'));
    expect(codes.filter((c) => c === 'OK')).toHaveLength(1);
    expect(codes.filter((c) => c === 'CONFLICT')).toHaveLength(99);
    expect(await count(app.db, 'booking', `room_id = $1 AND status = 'CONFIRMED'`, [s.roomId])).toBe(1);
    expect(await count(app.db, 'booking', `room_id = $1`, [s.roomId])).toBe(1);
    expect(await count(app.db, 'status_change', `object_type = 'BOOKING' AND community_id = $1`, [s.communityId])).toBe(1);
  });

  it('approves at most one of two contracts racing for overlapping slots, one approval on each process', async () => {
    const slots = [slot('TUESDAY', '19:00', '21:00'), slot('SATURDAY', '09:00', '11:30')];
    const s = await spaceSetup(app, slots);
    const rival = await activePartner(app, s.communityId, s.secretary, 'MERCHANT');
    const secondSecretary = await signUp(app);
    await app.gql(APPOINT_SECRETARY, { c: s.communityId, u: secondSecretary.id }, await app.adminToken());
    const a = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: slots, startsOn: localDate('Asia/Shanghai', 1), endsOn: localDate('Asia/Shanghai', 200) });
    const b = await propose(app, rival.owner, { partnerId: rival.partnerId, roomId: s.roomId, weeklySlots: [slots[1]], startsOn: localDate('Asia/Shanghai', 100), endsOn: localDate('Asia/Shanghai', 300) });
    const [ra, rb] = await Promise.all([
      post(parentUrl(), REVIEW, { id: a, d: 'APPROVE' }, s.secretary.token),
      post(child.url, REVIEW, { id: b, d: 'APPROVE' }, secondSecretary.token),
    ]);
    const outcomes = [ra, rb].map((r) => (r.errors ? r.errors[0].extensions.code : r.data.reviewContract.status)).sort();
    expect(outcomes).toEqual(['ACTIVE', 'CONFLICT']);
    expect(await count(app.db, 'space_contract', `id = ANY($1) AND status = 'ACTIVE'`, [[a, b]])).toBe(1);
    const winner = ra.errors ? b : a;
    const loser = ra.errors ? a : b;
    expect(await count(app.db, 'booking', `contract_id = $1`, [loser])).toBe(0);
    expect(await count(app.db, 'booking', `contract_id = $1 AND status = 'CONFIRMED'`, [winner])).toBeGreaterThan(0);
    expect(await count(app.db, 'space_contract', `id = $1 AND status = 'PENDING_REVIEW'`, [loser])).toBe(1);
  });
});
