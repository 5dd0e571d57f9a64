import { DateTime } from 'luxon';
import { nowMs } from '../src/common/clock';
import { resetClock, setTestClock, INSTANTS } from './support/clock';
import { startTestApp, type TestApp } from './support/app';
import { activePartner } from './support/fixtures';
import { localDate, propose, REVIEW, slot, spaceSetup } from './support/spaces';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  setTestClock(INSTANTS.midMonth);
});
afterAll(async () => {
  resetClock();
  await app.close();
});

const SH = 'Asia/Shanghai';
const WEEKEND = [slot('SATURDAY', '09:00', '11:30'), slot('SUNDAY', '09:00', '11:30')];

describe('promised against delivered sessions are public', () => {
  it("a contracts list asking for obligations answers every contract, also those that are not the caller's", async () => {
    const s = await spaceSetup(app, WEEKEND);
    const mine = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: [WEEKEND[0]], startsOn: localDate(SH, 1), endsOn: localDate(SH, 30) });
    await app.gqlOk(REVIEW, { id: mine, d: 'APPROVE' }, s.secretary.token);
    const other = await activePartner(app, s.communityId, s.secretary, 'MERCHANT');
    const theirs = await propose(app, other.owner, { partnerId: other.partnerId, roomId: s.roomId, weeklySlots: [WEEKEND[1]], startsOn: localDate(SH, 1), endsOn: localDate(SH, 30) });
    await app.gqlOk(REVIEW, { id: theirs, d: 'APPROVE' }, s.secretary.token);
    const LIST = `query($f: ContractFilter) { contracts(filter: $f) { totalCount edges { node { id obligations { month promisedSessions scheduledSessions } } } } }`;
    const res = await app.gql(LIST, { f: { communityId: s.communityId } }, s.owner.token);
    expect(res.errors).toBeUndefined();
    expect(res.data.contracts.edges.map((e: any) => e.node.id).sort()).toEqual([mine, theirs].sort());
  });
});
