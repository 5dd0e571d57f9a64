import { nowMs } from '../src/common/clock';
import request from 'supertest';
import { appAndChild, post, type AppAndChild } from './support/child-app';
import { count, errorCode, ok, PASSWORD, type TestApp } from './support/app';
import { activePartner, communityWithSecretary, joinPartner, signUp, unique, type Account } from './support/fixtures';
import { decide, loggedService, minutesAgo } from './support/service-hours';

/*
 * Erasure (issue #19, deleteMyAccount; docs/personal-data.md): the person's identity goes, their
 * tokens end in every process, the records of communities and partners stay under "已注销用户".
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

const ERASE = `mutation($p: String!) { deleteMyAccount(password: $p) }`;
const ME = `{ me { id displayName } }`;
const LOG_IN = `mutation($i: LogInInput!) { logIn(input: $i) { token } }`;
const JOIN = `mutation($c: ID!, $b: String) { joinCommunity(communityId: $c, building: $b) { verified } }`;
const VERIFY_RESIDENT = `mutation($c: ID!, $u: ID!) { verifyResident(communityId: $c, userId: $u) { verified } }`;
const SUBMIT = `mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { id } }`;
const TRIAGE = `mutation($i: TriageRequestInput!) { triageRequest(input: $i) { id } }`;
const PROPOSE = `mutation($i: ProposeAgendaItemInput!) { proposeAgendaItem(input: $i) { id } }`;
const VOICE = `mutation($id: ID!, $t: String, $a: Boolean) { voiceOpinion(agendaItemId: $id, stance: SUPPORT, text: $t, anonymous: $a) { id } }`;
const STATS = `query($p: ID!) { partner(id: $p) { stats { verifiedServiceMinutes } } }`;
const BOARD = `query($c: ID!) { publicBoard(communityId: $c) {
  recentRequests(first: 10) { id title description requester { id displayName } }
  agenda { id opinions(first: 10) { edges { node { text authorName } } } }
} }`;

/** A community with its secretary and an active partner; `person` and `neighbour` live there, each with a request, an opinion and hours. */
async function scene() {
  const { communityId, secretary } = await communityWithSecretary(app, { timezone: 'Asia/Shanghai' });
  const { owner, partnerId } = await activePartner(app, communityId, secretary);
  const person = await signUp(app, unique('张三'));
  const neighbour = await signUp(app, unique('李四'));
  const item = ok(await app.gql(PROPOSE, { i: { communityId, title: '楼道加装扶手', opinionsCloseAt: new Date(nowMs() + 3_600_000).toISOString() } }, secretary.token)).proposeAgendaItem.id;
  const requests: Record<string, { public: string; private: string }> = {};
  for (const [who, building, ago] of [[person, '7号楼', 200], [neighbour, '8号楼', 300]] as const) {
    ok(await app.gql(JOIN, { c: communityId, b: building }, who.token));
    ok(await app.gql(VERIFY_RESIDENT, { c: communityId, u: who.id }, secretary.token));
    await joinPartner(app, owner.token, partnerId, who);
    const logId = await loggedService(app, who.token, { communityId, partnerId, start: minutesAgo(ago), minutes: 45 });
    await decide(app, secretary.token, logId);
    const shown = ok(await app.gql(SUBMIT, { i: { communityId, kind: 'REPAIR', title: `路灯坏了-${who.id}`, description: '晚上很黑', building, anonymousOnBoard: false } }, who.token)).submitRequest.id;
    ok(await app.gql(TRIAGE, { i: { requestId: shown, decision: 'TO_DEMAND_LIST', demand: { communityId, title: unique('修路灯'), category: 'VOLUNTEER_SERVICE', quantity: 1, unit: '次' } } }, secretary.token));
    const hidden = ok(await app.gql(SUBMIT, { i: { communityId, kind: 'COMPLAINT', title: `邻居噪音-${who.id}`, description: '楼上每晚装修' } }, who.token)).submitRequest.id;
    ok(await app.gql(VOICE, { id: item, t: `我同意-${who.id}`, a: false }, who.token));
    requests[who.id] = { public: shown, private: hidden };
  }
  return { communityId, secretary, owner, partnerId, person, neighbour, item, requests };
}

const displayName = (account: Account) => account.email.split('@')[0];
const userRow = async (id: string) => (await app.db.query(`SELECT email, password_hash, display_name, erased_at, token_version FROM app_user WHERE id = $1`, [id]))[0];
const everyUser = () => app.db.query(`SELECT * FROM app_user ORDER BY id`);

describe('deleteMyAccount', () => {
  it('erases the person everywhere at once, keeping the records of the community and the partner', async () => {
    const s = await scene();
    const name = displayName(s.person);
    const stats = ok(await app.gql(STATS, { p: s.partnerId }, s.owner.token)).partner.stats;
    // The other process knows the token (its version is cached there for TOKEN_VERSION_CACHE_MS).
    expect((await post(both.child.url, ME, {}, { authorization: `Bearer ${s.person.token}` })).body.data.me.id).toBe(s.person.id);
    const neighbourBefore = await app.db.query(
      `SELECT (SELECT row_to_json(u) FROM app_user u WHERE id = $1) AS u, (SELECT json_agg(r ORDER BY id) FROM resident_request r WHERE requester_id = $1) AS r,
              (SELECT json_agg(o ORDER BY id) FROM agenda_opinion o WHERE author_id = $1) AS o, (SELECT json_agg(y ORDER BY id) FROM residency y WHERE user_id = $1) AS y`,
      [s.neighbour.id],
    );

    // The secretary's inbox holds a claim naming them (as live.subscribers writes it), and an unrelated one.
    const told = (values: Record<string, unknown>, message: string) =>
      app.db.query(`INSERT INTO notification (user_id, community_id, kind, message, message_id, message_values) VALUES ($1, $2, 'MATCH_PENDING_REVIEW', $3, 'notification.match.claimed', $4) RETURNING id`, [
        s.secretary.id,
        s.communityId,
        message,
        JSON.stringify(values),
      ]);
    const [[naming], [unrelated]] = [await told({ partner: name, quantity: 1 }, `${name} claimed 1 次`), await told({ partner: '某物业', quantity: 1 }, '某物业 claimed 1 次')];

    expect(ok(await app.gql(ERASE, { p: PASSWORD }, s.person.token)).deleteMyAccount).toBe(true);
    expect(await app.db.query(`SELECT message, message_values FROM notification WHERE id = ANY($1) ORDER BY message`, [[naming.id, unrelated.id]])).toEqual([
      { message: '已注销用户 claimed 1 次', message_values: { partner: '已注销用户', quantity: 1 } },
      { message: '某物业 claimed 1 次', message_values: { partner: '某物业', quantity: 1 } },
    ]);

    // The account names nobody, and nobody logs in as it.
    expect(await userRow(s.person.id)).toEqual({ email: null, password_hash: null, display_name: '已注销用户', erased_at: expect.any(Date), token_version: expect.any(Number) });
    expect(errorCode(await app.gql(LOG_IN, { i: { email: s.person.email, password: PASSWORD } }))).toBe('UNAUTHENTICATED');
    // Its old token is refused here and, heard through PostgreSQL, in the other process (long before its cache period).
    expect(errorCode(await app.gql(ME, {}, s.person.token))).toBe('UNAUTHENTICATED');
    let there: string | undefined;
    for (let i = 0; i < 50 && there !== 'UNAUTHENTICATED'; i++) {
      there = (await post(both.child.url, ME, {}, { authorization: `Bearer ${s.person.token}` })).body.errors?.[0]?.extensions?.code;
      if (there !== 'UNAUTHENTICATED') await new Promise((r) => setTimeout(r, 100));
    }
    expect(there).toBe('UNAUTHENTICATED');

    // The partner's totals stand: the logs keep their minutes and verification.
    expect(ok(await app.gql(STATS, { p: s.partnerId }, s.owner.token)).partner.stats).toEqual(stats);
    expect(await count(app.db, 'service_log', `volunteer_id = $1 AND status = 'VERIFIED'`, [s.person.id])).toBe(1);

    // Where they lived is gone; their private request lost its text, the public one kept it.
    expect(await app.db.query(`SELECT building, left_at IS NOT NULL AS left FROM residency WHERE user_id = $1`, [s.person.id])).toEqual([{ building: null, left: true }]);
    const mine = s.requests[s.person.id];
    const [shown] = await app.db.query(`SELECT title, description, building FROM resident_request WHERE id = $1`, [mine.public]);
    expect(shown).toEqual({ title: `路灯坏了-${s.person.id}`, description: '晚上很黑', building: null });
    const [hidden] = await app.db.query(`SELECT title, description, building FROM resident_request WHERE id = $1`, [mine.private]);
    expect(hidden).toEqual({ title: expect.not.stringContaining('噪音'), description: null, building: null });
    // Their inbox, memberships and invitations are gone.
    expect(await count(app.db, 'notification', 'user_id = $1', [s.person.id])).toBe(0);
    expect(await count(app.db, 'partner_member', 'user_id = $1', [s.person.id])).toBe(0);
    expect(await count(app.db, 'partner_invitation', 'email = $1', [s.person.email])).toBe(0);

    // Public reads never name them: the opinion stays, under "已注销用户".
    const board = ok(await app.gql(BOARD, { c: s.communityId }));
    expect(JSON.stringify(board)).not.toContain(name);
    const opinions = board.publicBoard.agenda.find((a: { id: string }) => a.id === s.item).opinions.edges.map((e: { node: unknown }) => e.node);
    expect(opinions).toEqual(expect.arrayContaining([{ text: `我同意-${s.person.id}`, authorName: '已注销用户' }, { text: `我同意-${s.neighbour.id}`, authorName: displayName(s.neighbour) }]));
    expect(await count(app.db, 'app_user', 'display_name = $1 OR email = $2', [name, s.person.email])).toBe(0);

    // The neighbour's data is as it was.
    expect(
      await app.db.query(
        `SELECT (SELECT row_to_json(u) FROM app_user u WHERE id = $1) AS u, (SELECT json_agg(r ORDER BY id) FROM resident_request r WHERE requester_id = $1) AS r,
                (SELECT json_agg(o ORDER BY id) FROM agenda_opinion o WHERE author_id = $1) AS o, (SELECT json_agg(y ORDER BY id) FROM residency y WHERE user_id = $1) AS y`,
        [s.neighbour.id],
      ),
    ).toEqual(neighbourBefore);
    expect(ok(await app.gql(ME, {}, s.neighbour.token)).me.id).toBe(s.neighbour.id);
    // Their export is whole, and names nobody erased.
    const theirs = await request(app.server).get('/me/export').set('authorization', `Bearer ${s.neighbour.token}`);
    expect(theirs.status).toBe(200);
    const doc = JSON.parse(theirs.text);
    expect(doc.account).toMatchObject({ id: s.neighbour.id, email: s.neighbour.email });
    expect(doc.opinions).toEqual([expect.objectContaining({ text: `我同意-${s.neighbour.id}` })]);
    expect(doc.requests).toHaveLength(2);
    expect(theirs.text).not.toContain(name);
    // And the erased person's export is refused with their old token.
    expect((await request(app.server).get('/me/export').set('authorization', `Bearer ${s.person.token}`)).status).toBe(401);
  });

  it('refuses a wrong password, the sole owner of a partner, a secretary and the admin, changing nothing', async () => {
    const s = await scene();
    const before = await everyUser();
    const counts = async () => [await count(app.db, 'partner_member'), await count(app.db, 'residency', 'building IS NULL'), await count(app.db, 'notification')];
    const countsBefore = await counts();
    const wrong = await app.gql(ERASE, { p: 'not-my-password-1' }, s.person.token);
    expect(errorCode(wrong)).toBe('BAD_USER_INPUT');
    expect(wrong.errors![0].extensions!.fields).toEqual([expect.objectContaining({ path: 'password' })]);
    expect(errorCode(await app.gql(ERASE, { p: PASSWORD }))).toBe('UNAUTHENTICATED');
    const owner = await app.gql(ERASE, { p: PASSWORD }, s.owner.token);
    expect(errorCode(owner)).toBe('INVALID_STATE');
    expect(owner.errors![0].message).toMatch(/only owner/);
    const secretary = await app.gql(ERASE, { p: PASSWORD }, s.secretary.token);
    expect(errorCode(secretary)).toBe('INVALID_STATE');
    expect(secretary.errors![0].message).toMatch(/secretary/);
    expect(errorCode(await app.gql(ERASE, { p: 'admin-pass-1' }, adminToken))).toBe('INVALID_STATE');
    expect(await everyUser()).toEqual(before);
    expect(await counts()).toEqual(countsBefore);
    // A second owner frees the first.
    await joinPartner(app, s.owner.token, s.partnerId, s.neighbour, 'OWNER');
    expect(errorCode(await app.gql(ERASE, { p: PASSWORD }, s.owner.token))).toBeUndefined();
  });
});
