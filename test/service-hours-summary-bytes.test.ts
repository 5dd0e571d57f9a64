import request from 'supertest';
import { startTestApp, type TestApp } from './support/app';
import { activePartner, communityWithSecretary, signUp } from './support/fixtures';
import { addMember, iso, LOG_SERVICE, minutesAgo } from './support/service-hours';

/*
 * A kept summary's response sent again as the bytes kept with it (src/common/kept-answer.ts): the
 * same operation with the same variables gets the same bytes without being serialised again
 * (counted by /metrics' graphql_kept_answers_sent_total), and anything else gets its own answer:
 * another shape of the question, other variables, two fields, a field beside it, a write under it,
 * a caller who may not read it.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
}, 120_000);
afterAll(async () => {
  await app?.close();
});

/** Responses sent again from kept bytes so far (this process). */
async function sentAgain(): Promise<number> {
  return (await counts()).again;
}

/** Those and, of them, the ones answered before execution (the same operation and variables, checked again). */
async function counts(): Promise<{ again: number; unexecuted: number }> {
  const res = await request(app.server).get('/metrics');
  const count = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(res.text)?.[1] ?? NaN);
  return { again: count('graphql_kept_answers_sent_total'), unexecuted: count('graphql_kept_answers_unexecuted_total') };
}

/** One request, as its bytes arrive. */
async function raw(query: string, variables: Record<string, unknown>, token?: string) {
  const req = request(app.server).post('/graphql').set('content-type', 'application/json');
  if (token) req.set('authorization', `Bearer ${token}`);
  const res = await req.buffer(true).parse((r, done) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => done(null, Buffer.concat(chunks)));
  }).send(JSON.stringify({ query, variables }));
  const bytes = res.body as Buffer;
  const text = bytes.toString('utf8');
  return { status: res.status, bytes, text, json: JSON.parse(text), type: res.headers['content-type'], length: Number(res.headers['content-length']) };
}

const PLAIN = `query($i: ServiceHoursSummaryInput!) { serviceHoursSummary(input: $i) { key label verifiedMinutes pendingMinutes logCount } }`;
const ALIASED = `query($i: ServiceHoursSummaryInput!) { s: serviceHoursSummary(input: $i) { __typename logCount key } }`;
const TWO = `query($i: ServiceHoursSummaryInput!, $j: ServiceHoursSummaryInput!) { a: serviceHoursSummary(input: $i) { key } b: serviceHoursSummary(input: $j) { logCount } }`;
const BESIDE = `query($i: ServiceHoursSummaryInput!, $f: ServiceLogFilter) { serviceHoursSummary(input: $i) { key } serviceLogs(filter: $f) { totalCount } }`;
const OPTIONAL = `query($i: ServiceHoursSummaryInput!, $full: Boolean!) { serviceHoursSummary(input: $i) { key label @include(if: $full) } }`;

describe('kept summaries sent again as bytes', () => {
  it('gives the same operation the same bytes, and every other question its own answer', async () => {
    const c = await communityWithSecretary(app, { name: '字节社区', timezone: 'Asia/Shanghai' });
    const other = await communityWithSecretary(app, { name: '别的社区', timezone: 'Asia/Shanghai' });
    const p = await activePartner(app, c.communityId, c.secretary, 'CHARITY');
    const member = await signUp(app, '字节志愿者');
    await addMember(app, p.owner.token, p.partnerId, member);
    const log = async (daysAgo: number, minutes: number) => {
      const start = minutesAgo(daysAgo * 24 * 60);
      const input = { communityId: c.communityId, partnerId: p.partnerId, startedAt: iso(start), endedAt: iso(new Date(start.getTime() + minutes * 60_000)), description: '社区志愿服务' };
      const res = await app.gql(LOG_SERVICE, { i: input }, member.token);
      expect(res.errors).toBeUndefined();
    };
    await log(3, 60);
    await log(4, 30);
    const token = c.secretary.token;
    const i = { from: iso(minutesAgo(10 * 24 * 60)), to: iso(minutesAgo(0)), groupBy: 'PARTNER', communityId: c.communityId };
    const partnerName = (await app.db.query(`SELECT name FROM partner WHERE id = $1`, [p.partnerId]))[0].name as string;
    const bucket = { key: p.partnerId, label: partnerName, verifiedMinutes: 0, pendingMinutes: 90, logCount: 2 };
    const start = await sentAgain();
    const { unexecuted: unexecutedAtStart } = await counts();

    // The first answer is made and kept; the same question again is sent from the kept bytes, the same bytes.
    const first = await raw(PLAIN, { i }, token);
    expect(first.json).toEqual({ data: { serviceHoursSummary: [bucket] } });
    // Apollo's own form: one line of JSON, its length and type.
    expect(first.text).toBe(JSON.stringify(first.json) + '\n');
    expect(first.type).toBe('application/json; charset=utf-8');
    expect(first.length).toBe(first.bytes.length);
    expect(await sentAgain()).toBe(start);
    const second = await raw(PLAIN, { i }, token);
    expect(second.bytes.equals(first.bytes)).toBe(true);
    expect(second.length).toBe(first.bytes.length);
    // ... answered before execution: the same operation and variables, this request's checks passed, the same kept object.
    expect(await counts()).toEqual({ again: start + 1, unexecuted: unexecutedAtStart + 1 });
    // Another viewer who may read it (an admin) gets the same bytes the same way, after their own checks.
    expect((await raw(PLAIN, { i }, await app.adminToken())).bytes.equals(first.bytes)).toBe(true);
    expect(await counts()).toEqual({ again: start + 2, unexecuted: unexecutedAtStart + 2 });

    // Another shape of the same question (an alias, other fields in another order) gets its own answer ...
    const aliased = await raw(ALIASED, { i }, token);
    expect(aliased.text).toBe(JSON.stringify({ data: { s: [{ __typename: 'ServiceHoursBucket', logCount: 2, key: p.partnerId }] } }) + '\n');
    expect((await raw(ALIASED, { i }, token)).bytes.equals(aliased.bytes)).toBe(true);
    expect(await sentAgain()).toBe(start + 3);
    // ... and the first shape is not answered with it.
    expect((await raw(PLAIN, { i }, token)).bytes.equals(first.bytes)).toBe(true);
    expect(await sentAgain()).toBe(start + 3);

    // Variables decide the answer too (a directive's), each set its own bytes.
    const full = await raw(OPTIONAL, { i, full: true }, token);
    expect(full.json).toEqual({ data: { serviceHoursSummary: [{ key: p.partnerId, label: partnerName }] } });
    const bare = await raw(OPTIONAL, { i, full: false }, token);
    expect(bare.json).toEqual({ data: { serviceHoursSummary: [{ key: p.partnerId }] } });
    expect((await raw(OPTIONAL, { i, full: false }, token)).bytes.equals(bare.bytes)).toBe(true);
    expect(await sentAgain()).toBe(start + 4);
    expect((await raw(OPTIONAL, { i, full: true }, token)).json).toEqual(full.json);

    // Two fields, or one beside it: the answer is not one kept object's, so it is made every time.
    // A log in the other community moves neither this summary's version nor its kept bytes, but
    // changes the other field; with the summary kept, that field must still show it.
    const admin = await app.adminToken();
    const j = { ...i, communityId: other.communityId, groupBy: 'COMMUNITY' };
    const f = { communityId: other.communityId };
    const elsewhere = async (n: number) => {
      expect((await raw(TWO, { i, j }, admin)).json).toEqual({ data: { a: [{ key: p.partnerId }], b: n ? [{ logCount: n }] : [] } });
      expect((await raw(BESIDE, { i, f }, admin)).json).toEqual({ data: { serviceHoursSummary: [{ key: p.partnerId }], serviceLogs: { totalCount: n } } });
    };
    await elsewhere(0);
    await elsewhere(0);
    const start2 = minutesAgo(6 * 24 * 60);
    const alone = await app.gql(LOG_SERVICE, { i: { communityId: other.communityId, partnerId: null, startedAt: iso(start2), endedAt: iso(new Date(start2.getTime() + 20 * 60_000)), description: '独自服务' } }, member.token);
    expect(alone.errors).toBeUndefined();
    await elsewhere(1);
    const afterShapes = await sentAgain();
    expect(afterShapes).toBe(start + 4);

    // Refused callers get their refusal, never the kept bytes: another community's secretary, a member,
    // nobody. Each asks the very question answered before execution above: their own checks refuse it there,
    // and execution answers with the refusal.
    const unexecutedBefore = (await counts()).unexecuted;
    const refusals = await Promise.all([raw(PLAIN, { i }, other.secretary.token), raw(PLAIN, { i }, member.token), raw(PLAIN, { i })]);
    expect(refusals.map((r) => [r.json.errors?.[0].extensions.code, r.json.data?.serviceHoursSummary ?? null])).toEqual([
      ['FORBIDDEN', null],
      ['FORBIDDEN', null],
      ['UNAUTHENTICATED', null],
    ]);
    // Bad input is refused as before, naming the field.
    const bad = await raw(PLAIN, { i: { ...i, to: i.from } }, token);
    expect(bad.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await counts()).toEqual({ again: afterShapes, unexecuted: unexecutedBefore });

    // A write under it: a new answer, made afresh and kept anew.
    await log(2, 15);
    const written = await raw(PLAIN, { i }, token);
    expect(written.json).toEqual({ data: { serviceHoursSummary: [{ ...bucket, pendingMinutes: 105, logCount: 3 }] } });
    expect(await counts()).toEqual({ again: afterShapes, unexecuted: unexecutedBefore });
    expect((await raw(PLAIN, { i }, token)).bytes.equals(written.bytes)).toBe(true);
    expect(await counts()).toEqual({ again: afterShapes + 1, unexecuted: unexecutedBefore + 1 });
  }, 120_000);

  it('keeps no bytes when summaries are not kept (SUMMARY_CACHE_BUCKETS=0)', async () => {
    const uncached = await startTestApp({ env: { SUMMARY_CACHE_BUCKETS: '0' } });
    try {
      const admin = await uncached.adminToken();
      const i = { from: iso(minutesAgo(10 * 24 * 60)), to: iso(minutesAgo(0)), groupBy: 'COMMUNITY' };
      const answers = [];
      for (let n = 0; n < 3; n++) answers.push(await uncached.gql(PLAIN, { i }, admin));
      expect(answers.map((a) => a.errors)).toEqual([undefined, undefined, undefined]);
      expect(answers[2].data).toEqual(answers[0].data);
      const metrics = await request(uncached.server).get('/metrics');
      expect(/^graphql_kept_answers_sent_total (\d+)$/m.exec(metrics.text)?.[1]).toBe('0');
    } finally {
      await uncached.close();
    }
  }, 120_000);
});
