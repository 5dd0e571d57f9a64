import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { startTestApp, type TestApp } from './support/app';
import { activePartner, communityWithSecretary, signUp } from './support/fixtures';
import { addMember, iso, LOG_SERVICE, minutesAgo } from './support/service-hours';

/*
 * A large kept answer goes gzip-compressed to a client that accepts gzip (src/ops/apollo-express.ts,
 * src/common/kept-answer.ts): compressed once, after it was first asked for, then sent as kept. The
 * same bytes once decompressed; uncompressed to a client that does not accept gzip, refuses it or
 * sends an Idempotency-Key; never for an answer that is not kept. The threshold is lowered here
 * (KEPT_ANSWER_GZIP_MIN_BYTES) so that a summary of one bucket is "large".
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { KEPT_ANSWER_GZIP_MIN_BYTES: '64' } });
}, 120_000);
afterAll(async () => {
  await app?.close();
});

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The bytes as they came, not decompressed. */
  body: Buffer;
}

/** One POST /graphql with exactly these headers (supertest would ask for gzip and decompress on its own). */
function post(query: string, variables: Record<string, unknown>, headers: Record<string, string>): Promise<Raw> {
  const { port } = app.server.address() as AddressInfo;
  const payload = Buffer.from(JSON.stringify({ query, variables }));
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(payload.length), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const SUMMARY = `query($i: ServiceHoursSummaryInput!) { serviceHoursSummary(input: $i) { key label verifiedMinutes pendingMinutes logCount } }`;
const LOGS = `query($f: ServiceLogFilter) { serviceLogs(filter: $f, first: 50) { totalCount edges { node { id description minutes } } } }`;

describe('large kept answers, gzip-compressed', () => {
  it('sends the kept bytes compressed to a client that accepts gzip, the same bytes once decompressed, and uncompressed to any other', async () => {
    const c = await communityWithSecretary(app, { name: '压缩社区', timezone: 'Asia/Shanghai' });
    const p = await activePartner(app, c.communityId, c.secretary, 'CHARITY');
    const member = await signUp(app, '压缩志愿者');
    await addMember(app, p.owner.token, p.partnerId, member);
    const start = minutesAgo(3 * 24 * 60);
    const logged = await app.gql(
      LOG_SERVICE,
      { i: { communityId: c.communityId, partnerId: p.partnerId, startedAt: iso(start), endedAt: iso(new Date(start.getTime() + 45 * 60_000)), description: '社区志愿服务' } },
      member.token,
    );
    expect(logged.errors).toBeUndefined();
    const auth = { authorization: `Bearer ${c.secretary.token}` };
    const i = { from: iso(minutesAgo(10 * 24 * 60)), to: iso(minutesAgo(0)), groupBy: 'PARTNER', communityId: c.communityId };

    // Without Accept-Encoding: the kept bytes as they are, saying that the encoding was chosen.
    const plain = await post(SUMMARY, { i }, auth);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(plain.body.toString('utf8'))).toEqual({ data: { serviceHoursSummary: [expect.objectContaining({ key: p.partnerId, pendingMinutes: 45, logCount: 1 })] } });
    expect(plain.body.length).toBeGreaterThanOrEqual(64);

    // Accepting gzip: uncompressed while zlib compresses it (in its own threads), then compressed.
    let zipped: Raw | undefined;
    for (let attempt = 0; attempt < 50 && !zipped; attempt++) {
      const res = await post(SUMMARY, { i }, { ...auth, 'accept-encoding': 'gzip, deflate, br' });
      expect(res.status).toBe(200);
      expect(String(res.headers.vary)).toMatch(/accept-encoding/i);
      if (res.headers['content-encoding'] === 'gzip') zipped = res;
      else {
        expect(res.body.equals(plain.body)).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    expect(zipped).toBeDefined();
    expect(Number(zipped!.headers['content-length'])).toBe(zipped!.body.length);
    expect(zipped!.headers['content-type']).toBe(plain.headers['content-type']);
    expect(gunzipSync(zipped!.body).equals(plain.body)).toBe(true);
    // And again: the same compressed bytes, kept.
    const again = await post(SUMMARY, { i }, { ...auth, 'accept-encoding': 'gzip' });
    expect(again.headers['content-encoding']).toBe('gzip');
    expect(again.body.equals(zipped!.body)).toBe(true);

    // gzip refused, or not offered, or an Idempotency-Key (its keeper stores the body without its encoding): uncompressed.
    const refusing: Record<string, string>[] = [{ 'accept-encoding': 'gzip;q=0, identity' }, { 'accept-encoding': 'br' }, { 'accept-encoding': 'identity' }, { 'accept-encoding': 'gzip', 'idempotency-key': 'gzip-test-key-1' }];
    for (const headers of refusing) {
      const res = await post(SUMMARY, { i }, { ...auth, ...headers });
      expect({ headers, encoding: res.headers['content-encoding'] }).toEqual({ headers, encoding: undefined });
      expect(res.body.equals(plain.body)).toBe(true);
    }

    // A refusal is not the kept answer: an anonymous caller gets its own error, uncompressed.
    const refused = await post(SUMMARY, { i }, { 'accept-encoding': 'gzip' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(refused.body.toString('utf8')).errors[0].extensions.code).toBe('UNAUTHENTICATED');

    // An answer that is not kept is never compressed here, however often it is asked.
    for (let k = 0; k < 3; k++) {
      const logs = await post(LOGS, { f: { communityId: c.communityId } }, { ...auth, 'accept-encoding': 'gzip' });
      expect(logs.status).toBe(200);
      expect(logs.headers['content-encoding']).toBeUndefined();
      expect(JSON.parse(logs.body.toString('utf8')).data.serviceLogs.totalCount).toBe(1);
    }
  });
});
