import { now, nowMs } from '../src/common/clock';
import { appAndChild, post, type AppAndChild } from './support/child-app';
import { type TestApp } from './support/app';
import { communityWithSecretary, signUp, unique, type Account } from './support/fixtures';

/*
 * One voice each (DESIGN invariant 7) under concurrency, across two server processes on one
 * PostgreSQL: the opinion upsert keeps one row per person and item whatever arrives at once, and
 * nothing is accepted once a decision closed the item.
 */

let both: AppAndChild;
let app: TestApp;
beforeAll(async () => {
  both = await appAndChild();
  app = both.app;
}, 120_000);
afterAll(() => both.close());

const JOIN = `mutation($c: ID!) { joinCommunity(communityId: $c) { verified } }`;
const PROPOSE = `mutation($i: ProposeAgendaItemInput!) { proposeAgendaItem(input: $i) { id } }`;
const VOICE = `mutation($id: ID!, $s: Stance!, $t: String) { voiceOpinion(agendaItemId: $id, stance: $s, text: $t) { id stance text } }`;
const COUNTS = `query($id: ID!) { agendaItem(id: $id) { support oppose neutral opinions(first: 100) { totalCount } } }`;
const DECIDE = `mutation($i: RecordDecisionInput!) { recordDecision(input: $i) { status support oppose neutral } }`;

/** Half the calls go to this process, half to the child. */
const call = (i: number, query: string, variables: Record<string, unknown>, token: string) =>
  i % 2 === 0 ? app.gql(query, variables, token) : post(both.child.url, query, variables, { authorization: `Bearer ${token}`, 'accept-language': 'en' }).then((res) => ({ ...res.body, status: res.status }));

async function openItemWithResidents(n: number) {
  const { communityId, secretary } = await communityWithSecretary(app, { timezone: 'Asia/Shanghai' });
  const residents: Account[] = await Promise.all(
    Array.from({ length: n }, async () => {
      const person = await signUp(app, unique('resident'));
      await app.gqlOk(JOIN, { c: communityId }, person.token);
      return person;
    }),
  );
  const closeAt = new Date(nowMs() + 3_600_000).toISOString();
  const itemId = (await app.gqlOk(PROPOSE, { i: { communityId, title: '小区南门是否改为人车分流', opinionsCloseAt: closeAt } }, secretary.token)).proposeAgendaItem.id as string;
  return { communityId, secretary, residents, itemId };
}

/** The counts by stance, counted in the database. */
async function countedInDatabase(itemId: string) {
  const [row] = await app.db.query(
    `SELECT count(*) FILTER (WHERE stance = 'SUPPORT')::int AS support, count(*) FILTER (WHERE stance = 'OPPOSE')::int AS oppose,
            count(*) FILTER (WHERE stance = 'NEUTRAL')::int AS neutral FROM agenda_opinion WHERE agenda_item_id = $1`,
    [itemId],
  );
  return row as { support: number; oppose: number; neutral: number };
}

describe('one voice each, under concurrency', () => {
  it('50 concurrent voices from 25 residents (2 each, different stances) across two processes: one opinion per person, the last write winning', async () => {
    const { residents, itemId } = await openItemWithResidents(25);
    const STANCES = ['SUPPORT', 'OPPOSE', 'NEUTRAL'];
    // Each person's two voices, with different stances, sent at once to different processes.
    const sent = residents.flatMap((r, i) => [
      { person: r, stance: STANCES[i % 3], text: `${i}-a` },
      { person: r, stance: STANCES[(i + 1) % 3], text: `${i}-b` },
    ]);
    const answers = await Promise.all(sent.map((v, i) => call(i, VOICE, { id: itemId, s: v.stance, t: v.text }, v.person.token)));
    expect(answers.map((a) => a.errors?.[0]?.extensions.code ?? 'ok')).toEqual(Array(50).fill('ok'));

    // One row per person; each has been written twice in turn (revision 2: neither write lost), and
    // holds one of the two voices whole (stance with its own text): the one written last.
    const rows: { author_id: string; stance: string; text: string; revision: number }[] = await app.db.query(
      `SELECT author_id, stance, text, revision FROM agenda_opinion WHERE agenda_item_id = $1`,
      [itemId],
    );
    expect(rows).toHaveLength(25);
    expect(new Set(rows.map((r) => r.author_id)).size).toBe(25);
    for (const row of rows) {
      const mine = sent.filter((v) => v.person.id === row.author_id);
      expect(row.revision).toBe(2);
      expect(mine.map((v) => [v.stance, v.text])).toContainEqual([row.stance, row.text]);
    }
    // Both answers of a person name the same opinion (one row, changed in place).
    for (const r of residents) {
      const ids = answers.filter((_, i) => sent[i].person.id === r.id).map((a) => a.data.voiceOpinion.id);
      expect(new Set(ids).size).toBe(1);
    }

    const inDatabase = await countedInDatabase(itemId);
    expect(inDatabase.support + inDatabase.oppose + inDatabase.neutral).toBe(25);
    for (const token of [residents[0].token]) {
      const seen = (await app.gqlOk(COUNTS, { id: itemId }, token)).agendaItem;
      expect(seen).toEqual({ ...inDatabase, opinions: { totalCount: 25 } });
      const child = (await post(both.child.url, COUNTS, { id: itemId }, {})).body.data.agendaItem;
      expect(child).toEqual(seen);
    }
  });

  it('a decision recorded while residents are voicing: every voice is counted in the decision or refused, none after it', async () => {
    const { secretary, residents, itemId } = await openItemWithResidents(20);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(now());
    const voices = residents.map((r, i) => call(i, VOICE, { id: itemId, s: i % 2 ? 'SUPPORT' : 'OPPOSE' }, r.token));
    const decision = call(1, DECIDE, { i: { agendaItemId: itemId, meetingDate: today, attendees: 12, outcome: '同意改造' } }, secretary.token);
    const [decided, ...answers] = await Promise.all([decision, ...voices]);
    expect(decided.errors).toBeUndefined();
    const codes = answers.map((a) => a.errors?.[0]?.extensions.code ?? 'ok');
    expect(codes.every((c) => c === 'ok' || c === 'INVALID_STATE')).toBe(true);

    // What the decision answered (read after its write) is what the database holds: nothing came after.
    const inDatabase = await countedInDatabase(itemId);
    const { status, ...counts } = decided.data.recordDecision;
    expect(status).toBe('DECIDED');
    expect(counts).toEqual(inDatabase);
    expect(inDatabase.support + inDatabase.oppose + inDatabase.neutral).toBe(codes.filter((c) => c === 'ok').length);
    const accepted = residents.filter((_, i) => codes[i] === 'ok').map((r) => r.id).sort();
    const stored: { author_id: string }[] = await app.db.query(`SELECT author_id FROM agenda_opinion WHERE agenda_item_id = $1 ORDER BY author_id`, [itemId]);
    expect(stored.map((r) => r.author_id)).toEqual(accepted);
  });
});
