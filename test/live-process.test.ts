import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { Client } from 'graphql-ws';
import { topics } from '../src/live/events';
import { startTestApp, type TestApp } from './support/app';
import { communityWithSecretary, registerPartner, signUp } from './support/fixtures';
import { bearer, Subscription, until, wsClient } from './support/live';
import { APPROVE_PARTNERSHIP, REQUEST_PARTNERSHIP } from './support/documents';

/** Server process B is a separate Node process: nothing but PostgreSQL connects it to A (this one). */
let a: TestApp;
let child: ChildProcess;
let port: number;
const lines: { msg?: string; port?: number; topic?: string }[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  a = await startTestApp();
  child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'support', 'server-process.ts')], {
    env: { ...process.env, DATABASE_URL: a.databaseUrl, TS_NODE_PROJECT: path.join(__dirname, '..', 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line));
    } catch {
      /* not a log line */
    }
  });
  await until(() => lines.some((l) => l.msg === 'listening'), 50_000);
  port = lines.find((l) => l.msg === 'listening')!.port!;
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await a.close();
});

const onB = (token: string) => {
  const c = wsClient(port, bearer(token));
  clients.push(c);
  return c;
};
/** B logs each subscription it has joined: from then on, events of its topic reach it. */
const joinedOnB = (topic: string) => until(() => lines.some((l) => l.msg === 'live: subscribed' && l.topic === topic));

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
