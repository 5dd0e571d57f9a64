import { nowMs } from '../src/common/clock';
import request from 'supertest';
import { count, ok, startTestApp, type TestApp } from './support/app';
import { activePartner, communityWithSecretary, joinPartner, signUp, unique, type Account } from './support/fixtures';
import { decide, loggedService, minutesAgo } from './support/service-hours';

/*
 * Export (issue #19, GET /me/export; docs/personal-data.md): one JSON document of everything held
 * about the caller, and nothing about anyone else.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const JOIN = `mutation($c: ID!, $b: String) { joinCommunity(communityId: $c, building: $b) { verified } }`;
const VERIFY_RESIDENT = `mutation($c: ID!, $u: ID!) { verifyResident(communityId: $c, userId: $u) { verified } }`;
const SUBMIT = `mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { id } }`;
const TRIAGE = `mutation($i: TriageRequestInput!) { triageRequest(input: $i) { demand { id } } }`;
const PROPOSE = `mutation($i: ProposeAgendaItemInput!) { proposeAgendaItem(input: $i) { id } }`;
const VOICE = `mutation($id: ID!, $t: String) { voiceOpinion(agendaItemId: $id, stance: OPPOSE, text: $t) { id } }`;
const CLAIM_ALONE = `mutation($i: ClaimDemandInput!) { claimDemand(input: $i) { id } }`;
const LOG_OUT = `mutation { logOutEverywhere }`;

/** Two residents of one community, each with a residency, a partner membership, a hour log, two requests, an opinion and a claim on the other's wish. */
async function scene() {
  const { communityId, secretary } = await communityWithSecretary(app, { timezone: 'Asia/Shanghai' });
  const item = ok(await app.gql(PROPOSE, { i: { communityId, title: '小区停车收费调整', opinionsCloseAt: new Date(nowMs() + 3_600_000).toISOString() } }, secretary.token)).proposeAgendaItem.id;
  const people: Account[] = [await signUp(app, unique('王五')), await signUp(app, unique('赵六'))];
  const wishes: string[] = [];
  for (const [i, who] of people.entries()) {
    const { owner, partnerId } = await activePartner(app, communityId, secretary);
    ok(await app.gql(JOIN, { c: communityId, b: `${i + 1}号楼` }, who.token));
    ok(await app.gql(VERIFY_RESIDENT, { c: communityId, u: who.id }, secretary.token));
    await joinPartner(app, owner.token, partnerId, who);
    await decide(app, secretary.token, await loggedService(app, who.token, { communityId, partnerId, start: minutesAgo(300), minutes: 30 }));
    const wish = ok(await app.gql(SUBMIT, { i: { communityId, kind: 'WISH', title: `想学书法-${i}`, description: '周末有空' } }, who.token)).submitRequest.id;
    wishes.push(ok(await app.gql(TRIAGE, { i: { requestId: wish, decision: 'TO_DEMAND_LIST', demand: { communityId, title: unique('书法课'), category: 'VOLUNTEER_SERVICE', quantity: 2, unit: '次' } } }, secretary.token)).triageRequest.demand.id);
    ok(await app.gql(SUBMIT, { i: { communityId, kind: 'COMPLAINT', title: `电梯异响-${i}`, building: `${i + 1}号楼` } }, who.token));
    ok(await app.gql(VOICE, { id: item, t: `费用太高-${i}` }, who.token));
  }
  // Each claims the other's wish.
  ok(await app.gql(CLAIM_ALONE, { i: { demandId: wishes[1], quantity: 1 } }, people[0].token));
  ok(await app.gql(CLAIM_ALONE, { i: { demandId: wishes[0], quantity: 1 } }, people[1].token));
  // A pending invitation to the first person's e-mail.
  const other = await activePartner(app, communityId, secretary);
  ok(await app.gql(`mutation($p: ID!, $e: String!) { invitePartnerMember(partnerId: $p, email: $e) { id } }`, { p: other.partnerId, e: people[0].email }, other.owner.token));
  return { communityId, secretary, person: people[0], neighbour: people[1] };
}

const exportOf = (token: string | null) => {
  const req = request(app.server).get('/me/export');
  return token ? req.set('authorization', `Bearer ${token}`) : req;
};
const ids = async (sql: string, params: unknown[]) => ((await app.db.query(sql, params)) as { id: string }[]).map((r) => r.id).sort();
const idsOf = (rows: { id: string }[]) => rows.map((r) => r.id).sort();

describe('GET /me/export', () => {
  it("answers exactly the caller's records, section by section, and nothing of the neighbour's", async () => {
    const { person, neighbour } = await scene();
    const res = await exportOf(person.token);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    const doc = JSON.parse(res.text);
    expect(Object.keys(doc)).toEqual([
      'schemaVersion', 'exportedAt', 'account', 'residencies', 'secretaryOf', 'memberships', 'invitationsReceived', 'requests', 'opinions',
      'agendaItemsProposed', 'claims', 'evaluationsGiven', 'serviceLogs', 'ballots', 'projects', 'projectUpdates', 'notifications', 'signedLinks',
    ]);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.account).toMatchObject({ id: person.id, email: person.email, displayName: person.email.split('@')[0] });
    expect(doc.residencies).toEqual([expect.objectContaining({ building: '1号楼', verified: true })]);
    expect(doc.memberships).toHaveLength(1);
    expect(doc.invitationsReceived.map((i: { status: string }) => i.status).sort()).toEqual(['ACCEPTED', 'PENDING']);
    expect(idsOf(doc.requests)).toEqual(await ids(`SELECT id FROM resident_request WHERE requester_id = $1`, [person.id]));
    expect(doc.requests).toHaveLength(2);
    const wish = doc.requests.find((r: { kind: string }) => r.kind === 'WISH');
    expect(wish.history.map((h: { to: string }) => h.to)).toEqual(['SUBMITTED', 'ACCEPTED']);
    expect(idsOf(doc.opinions)).toEqual(await ids(`SELECT id FROM agenda_opinion WHERE author_id = $1`, [person.id]));
    expect(doc.opinions).toEqual([expect.objectContaining({ text: '费用太高-0', stance: 'OPPOSE' })]);
    expect(idsOf(doc.claims)).toEqual(await ids(`SELECT id FROM demand_match WHERE volunteer_id = $1`, [person.id]));
    expect(doc.claims).toHaveLength(1);
    expect(idsOf(doc.serviceLogs)).toEqual(await ids(`SELECT id FROM service_log WHERE volunteer_id = $1`, [person.id]));
    expect(doc.serviceLogs).toEqual([expect.objectContaining({ minutes: 30, status: 'VERIFIED' })]);
    expect(idsOf(doc.notifications)).toEqual(await ids(`SELECT id FROM notification WHERE user_id = $1`, [person.id]));
    expect(doc.notifications.length).toBeGreaterThan(0);

    // Nothing that names the neighbour: not their id, e-mail, name, building or texts.
    for (const theirs of [neighbour.id, neighbour.email, neighbour.email.split('@')[0], '2号楼', '费用太高-1', '电梯异响-1']) expect(res.text).not.toContain(theirs);
    // Nor secrets.
    expect(res.text).not.toMatch(/password|token_hash|\$2[aby]\$/);
  });

  it('opens in a browser through a signed link of the person, for a day, until revoked', async () => {
    const person = await signUp(app);
    const link = ok(await app.gql(`mutation { createExportLink { id purpose url expiresAt } }`, {}, person.token)).createExportLink;
    expect(link.purpose).toBe('PERSONAL_EXPORT');
    expect(new Date(link.expiresAt).getTime() - nowMs()).toBeLessThanOrEqual(86_400_000);
    const page = new URL(link.url).pathname;
    const opened = await request(app.server).get(page);
    expect(opened.status).toBe(200);
    expect(opened.headers['content-disposition']).toMatch(/attachment/);
    expect(JSON.parse(opened.text)).toMatchObject({ schemaVersion: 1, account: { id: person.id, email: person.email } });
    ok(await app.gql(`mutation($id: ID!) { revokeSignedLink(id: $id) { revokedAt } }`, { id: link.id }, person.token));
    expect((await request(app.server).get(page)).status).not.toBe(200);
  });

  it('refuses without a token and with an ended one (401), writing nothing', async () => {
    const person = await signUp(app);
    expect((await exportOf(null)).status).toBe(401);
    const before = await count(app.db, 'notification');
    ok(await app.gql(LOG_OUT, {}, person.token));
    const ended = await exportOf(person.token);
    expect(ended.status).toBe(401);
    expect(ended.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(await count(app.db, 'notification')).toBe(before);
  });
});
