import type { Client } from 'graphql-ws';
import { topics } from '../src/live/events';
import type { TestApp } from './support/app';
import { appAndChild, type AppAndChild } from './support/child-app';
import { communityWithSecretary, registerPartner, signUp } from './support/fixtures';
import { bearer, Subscription, until, wsClient } from './support/live';
import { APPROVE_PARTNERSHIP, REQUEST_PARTNERSHIP } from './support/documents';

/** Server process B is a separate Node process: nothing but PostgreSQL connects it to A (this one). */
let a: TestApp;
let both: AppAndChild;
const clients: Client[] = [];

beforeAll(async () => {
  // B logs at debug level, so this test sees when B has joined a subscription's topic.
  both = await appAndChild({ childLogLevel: 'debug' });
  a = both.app;
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await both?.close();
});

const onB = (token: string) => {
  const c = wsClient(both.child.port, bearer(token));
  clients.push(c);
  return c;
};
/** B logs each subscription it has joined: from then on, events of its topic reach it. */
const joinedOnB = (topic: string) => until(() => both.child.lines.some((l) => l.msg === 'live: subscribed' && l.topic === topic));

it('shows a secretary on process B a request made on A enter the queue and leave it, and the partner its own event', async () => {
  const { communityId, secretary } = await communityWithSecretary(a);
  const owner = await signUp(a);
  const partnerId = await registerPartner(a, owner);

  const queue = new Subscription(onB(secretary.token), `subscription($c: ID!) { partnershipRequestsChanged(communityId: $c) { id status } }`, { c: communityId });
  const activity = new Subscription(onB(owner.token), `subscription($p: ID!) { partnerActivity(partnerId: $p) { kind partnership { id } } }`, { p: partnerId });
  await joinedOnB(topics.partnershipRequests(communityId));
  await joinedOnB(topics.partnerActivity(partnerId));

  const id = (await a.gql(REQUEST_PARTNERSHIP, { p: partnerId, c: communityId }, owner.token)).data
    .requestPartnership.id;
  expect((await queue.next()).data.partnershipRequestsChanged).toEqual({ id, status: 'PENDING' });
  await a.gql(APPROVE_PARTNERSHIP, { id }, secretary.token);
  expect((await queue.next()).data.partnershipRequestsChanged).toEqual({ id, status: 'ACTIVE' });
  expect((await activity.next()).data.partnerActivity).toEqual({ kind: 'PARTNERSHIP_ACTIVE', partnership: { id } });
});
