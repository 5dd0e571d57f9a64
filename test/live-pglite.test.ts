import request from 'supertest';
import type { Client } from 'graphql-ws';
import type { DataSource } from 'typeorm';
import type { AppHandle } from '../src/app';
import { inTransaction } from '../src/db/transaction';
import { publish, topics } from '../src/live/events';
import { ok, PASSWORD } from './support/app';
import { startPGliteApp, type PGliteApp } from './support/pglite';
import { bearer, Subscription, until, wsClient } from './support/live';
import { APPROVE_PARTNERSHIP, REQUEST_PARTNERSHIP, SIGN_UP } from './support/documents';

/** The embedded store has no other process to hear: events go from publisher to hub in-process, after commit. */
let store: PGliteApp;
let db: DataSource;
let handle: AppHandle;
let client: Client | undefined;

beforeAll(async () => {
  store = await startPGliteApp({ prefix: 'mp-live-pglite-', listen: true });
  ({ db, handle } = store);
  // Every migration runs on the embedded store first (as in pglite.test.ts).
}, 180_000);

afterAll(async () => {
  await client?.dispose();
  await store?.close();
});

async function gql(query: string, variables: object = {}, token?: string) {
  const req = request(handle.server).post('/graphql').set('content-type', 'application/json');
  if (token) req.set('authorization', `Bearer ${token}`);
  const res = await req.send({ query, variables });
  return ok(res.body);
}

const signUp = async (name: string) =>
  (await gql(SIGN_UP, { i: { email: `${name}@pglite.test`, password: PASSWORD, displayName: name } })).signUp;

it('delivers committed events in-process, never a rolled-back one, and writes the inbox', async () => {
  const admin = (await gql(`mutation { logIn(input: { email: "admin@pglite.test", password: "admin-pass-1" }) { token } }`)).logIn.token;
  const communityId = (await gql(`mutation { createCommunity(input: { name: "梅园新村" }) { id } }`, {}, admin)).createCommunity.id;
  const owner = await signUp('owner');
  const partnerId = (await gql(`mutation { registerPartner(input: { name: "闲云茶馆", category: MERCHANT }) { id } }`, {}, owner.token)).registerPartner.id;
  const partnershipId = (await gql(REQUEST_PARTNERSHIP, { p: partnerId, c: communityId }, owner.token))
    .requestPartnership.id;

  client = wsClient(handle.server, bearer(owner.token));
  const sub = new Subscription(client, `subscription($p: ID!) { partnerActivity(partnerId: $p) { kind partnership { id status } } }`, { p: partnerId });
  await until(() => handle.events.hub.subscriberCount(topics.partnerActivity(partnerId)) === 1);

  await expect(
    inTransaction(db, async (tx) => {
      publish(tx, topics.partnerActivity(partnerId), { kind: 'GHOST', refs: { partnershipId } });
      throw new Error('rolled back on purpose');
    }),
  ).rejects.toThrow('rolled back on purpose');

  await gql(APPROVE_PARTNERSHIP, { id: partnershipId }, admin);
  expect(await sub.next()).toEqual({ data: { partnerActivity: { kind: 'PARTNERSHIP_ACTIVE', partnership: { id: partnershipId, status: 'ACTIVE' } } } });
  expect(sub.results).toHaveLength(1);

  const inbox = await gql(`{ notifications { totalCount edges { node { kind partnership { id } } } } }`, {}, owner.token);
  expect(inbox.notifications).toEqual({ totalCount: 1, edges: [{ node: { kind: 'PARTNERSHIP_ACTIVE', partnership: { id: partnershipId } } }] });
});
