import { DateTime } from 'luxon';
import { nowMs } from '../src/common/clock';
import { instants, resetClock, setTestClock, testNow } from './support/clock';
import { count, errorCode, startTestApp, type TestApp } from './support/app';
import { claim, ok, postDemand, REVIEW as REVIEW_MATCH, scene } from './support/demand-fixtures';
import { signUp } from './support/fixtures';
import { EVERY_DAY, localDate, propose, REVIEW as REVIEW_CONTRACT, slot, spaceSetup } from './support/spaces';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const LOG = `mutation($i: LogServiceInput!) { logService(input: $i) { id status minutes match { id } contract { id } } }`;
const VERIFY = `mutation($id: ID!) { verifyServiceLog(id: $id, decision: APPROVE) { id status } }`;
const OBLIGATIONS = `query($id: ID!, $from: LocalDate, $to: LocalDate) { contract(id: $id) { obligations(from: $from, to: $to) { month promisedSessions scheduledSessions deliveredSessions } } }`;
const hoursAgo = (h: number) => new Date(nowMs() - h * 3_600_000).toISOString();

describe.each(instants('shanghaiMonthStart', 'midMonth'))('with the clock at %s (%s)', (_name, at) => {
  beforeAll(() => setTestClock(at));
  afterAll(resetClock);

  describe('service logged against a match', () => {
    it('accepts an APPROVED match of the partner and refuses one under review or of another partner', async () => {
      const { communityId, secretary, partner } = await scene(app);
      const demandId = await postDemand(app, secretary.token, communityId);
      const approved = await claim(app, partner.owner.token, demandId, partner.partnerId, 2);
      ok(await app.gql(REVIEW_MATCH, { id: approved, d: 'APPROVE' }, secretary.token));
      const pending = await claim(app, partner.owner.token, demandId, partner.partnerId, 1);

      const base = { communityId, partnerId: partner.partnerId, description: '送长椅并安装' };
      const logged = await app.gql(LOG, { i: { ...base, matchId: approved, startedAt: hoursAgo(3), endedAt: hoursAgo(2) } }, partner.owner.token);
      expect(logged.errors).toBeUndefined();
      expect(logged.data.logService).toMatchObject({ status: 'PENDING', minutes: 60, match: { id: approved }, contract: null });

      const underReview = await app.gql(LOG, { i: { ...base, matchId: pending, startedAt: hoursAgo(5), endedAt: hoursAgo(4) } }, partner.owner.token);
      expect(errorCode(underReview)).toBe('INVALID_STATE');

      const other = await scene(app);
      const foreign = await app.gql(LOG, { i: { ...base, partnerId: partner.partnerId, matchId: approved, communityId: other.communityId, startedAt: hoursAgo(7), endedAt: hoursAgo(6) } }, partner.owner.token);
      expect(['BAD_USER_INPUT', 'FORBIDDEN']).toContain(errorCode(foreign));
      expect(await count(app.db, 'service_log', 'volunteer_id = $1', [partner.owner.id])).toBe(1);
    });
  });
});

describe.each(instants('shanghaiMonthStart', 'monthEndEvening', 'newYorkFallBack', 'midMonth'))('contract obligations with the clock at %s (%s)', (_name, at) => {
  beforeEach(() => setTestClock(at));
  afterEach(resetClock);

  it('counts scheduled contract sessions per month and those delivered with verified service', async () => {
    const zone = 'Asia/Shanghai';
    const { secretary, roomId, owner, partnerId, communityId } = await spaceSetup(app, EVERY_DAY.map((d) => slot(d, '09:00', '10:00')), zone);
    const contractId = await propose(app, owner, { partnerId, roomId, weeklySlots: [slot('SATURDAY', '09:00', '10:00'), slot('WEDNESDAY', '09:00', '10:00')], startsOn: localDate(zone), endsOn: localDate(zone, 60) });
    ok(await app.gql(REVIEW_CONTRACT, { id: contractId, d: 'APPROVE' }, secretary.token));

    // A session held two hours ago: move the contract's first booking into the past (no API books the past).
    const [first] = await app.db.query(`SELECT id FROM booking WHERE contract_id = $1 AND status = 'CONFIRMED' ORDER BY start_at LIMIT 1`, [contractId]);
    await app.db.query(`UPDATE booking SET start_at = $2::timestamptz - interval '3 hours', end_at = $2::timestamptz - interval '2 hours' WHERE id = $1`, [first.id, testNow()]);
    // The term covers the whole month of that session (so it promises the full 2), even just after a month's midnight.
    await app.db.query(`UPDATE space_contract SET starts_on = starts_on - 40 WHERE id = $1`, [contractId]);
    const log = ok(await app.gql(LOG, { i: { communityId, partnerId, contractId, startedAt: hoursAgo(3), endedAt: hoursAgo(2), description: '公益英语绘本课' } }, owner.token)).logService;
    expect(log.contract).toEqual({ id: contractId });
    // Service logged but not yet verified does not count as delivered.
    const held = DateTime.fromJSDate(testNow()).minus({ hours: 3 }).setZone(zone);
    const month = held.toFormat('yyyy-MM');
    const range = { from: held.startOf('month').toISODate(), to: held.endOf('month').toISODate() };
    const read = async () => ok(await app.gql(OBLIGATIONS, { id: contractId, ...range }, secretary.token)).contract.obligations;
    const expectedScheduled = (
      await app.db.query(
        `SELECT count(*)::int AS n FROM booking WHERE contract_id = $1 AND status = 'CONFIRMED' AND to_char(start_at AT TIME ZONE $2, 'YYYY-MM') = $3`,
        [contractId, zone, month],
      )
    )[0].n;
    expect(await read()).toEqual([expect.objectContaining({ month, scheduledSessions: expectedScheduled, deliveredSessions: 0 })]);

    ok(await app.gql(VERIFY, { id: log.id }, secretary.token));
    const [row] = await read();
    expect(row).toMatchObject({ month, scheduledSessions: expectedScheduled, deliveredSessions: 1 });
    expect(row.promisedSessions).toBe(2);

    // The promise is public, as the contract is (issue #16 item 2): a stranger reads the same rows.
    const stranger = await signUp(app);
    expect(ok(await app.gql(OBLIGATIONS, { id: contractId, ...range }, stranger.token)).contract.obligations).toEqual([row]);
  });
});
