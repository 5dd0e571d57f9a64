import request from 'supertest';
import type { DataSource } from 'typeorm';
import type { AppHandle } from '../src/app';
import { inTransaction } from '../src/db/transaction';
import { PASSWORD } from './support/app';
import { startPGliteApp, type PGliteApp } from './support/pglite';
import { LOG_IN } from './support/documents';

/** The embedded store is one PGlite session; these prove it is lent to one transaction at a time. */
let store: PGliteApp;
let db: DataSource;
let handle: AppHandle;

beforeAll(async () => {
  store = await startPGliteApp({ prefix: 'mp-pglite-' });
  ({ db, handle } = store);
}, 180_000);

afterAll(() => store?.close());

const names = async (prefix: string): Promise<string[]> =>
  (await db.query(`SELECT name FROM community WHERE name LIKE $1 ORDER BY name`, [`${prefix}%`])).map((r: { name: string }) => r.name);

/**
 * A transaction that inserts `name`, then stays open until `fail()` is called, then throws. Tests
 * issue other work while it is open: whatever the machine's speed, the order is set by the gates,
 * not by sleeps. (A moment's pause before `fail()` lets a broken pool run the other work inside
 * it; a correct pool passes without it.)
 */
function openFailingTransaction(name: string) {
  let opened!: () => void;
  let fail!: () => void;
  const isOpen = new Promise<void>((resolve) => (opened = resolve));
  const failNow = new Promise<void>((resolve) => (fail = resolve));
  const done = inTransaction(db, async (tx) => {
    await tx.query(`INSERT INTO community (name) VALUES ($1)`, [name]);
    opened();
    await failNow;
    throw new Error('boom');
  });
  return { isOpen, fail, done };
}
const pause = () => new Promise((resolve) => setTimeout(resolve, 50));

it('keeps the rows of a transaction that commits while another one fails', async () => {
  const failing = openFailingTransaction('tx-a-failing');
  await failing.isOpen;
  const committing = inTransaction(db, async (tx) => {
    await tx.query(`INSERT INTO community (name) VALUES ('tx-b-committed')`);
  });
  await pause();
  failing.fail();
  await expect(failing.done).rejects.toThrow('boom');
  await committing;
  expect(await names('tx-')).toEqual(['tx-b-committed']);
});

it('does not run a plain query inside a transaction that is open at the time', async () => {
  const failing = openFailingTransaction('plain-a-rolled-back');
  await failing.isOpen;
  const plain = db.query(`INSERT INTO community (name) VALUES ('plain-b-autocommit')`);
  await pause();
  failing.fail();
  await expect(failing.done).rejects.toThrow('boom');
  await plain;
  expect(await names('plain-')).toEqual(['plain-b-autocommit']);
});

it('loses no acknowledged sign-up when concurrent ones fail over HTTP', async () => {
  const gql = (query: string, variables: object) => request(handle.server).post('/graphql').set('content-type', 'application/json').send({ query, variables });
  const signUp = `mutation($i: SignUpInput!) { signUp(input: $i) { user { id } } }`;
  await gql(signUp, { i: { email: 'taken@pglite.test', password: PASSWORD, displayName: 'first' } });
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      gql(signUp, { i: { email: i % 2 ? 'taken@pglite.test' : `ok-${i}@pglite.test`, password: PASSWORD, displayName: `u${i}` } }),
    ),
  );
  const succeeded = results.filter((r) => r.body.data?.signUp).map((r) => r.body.data.signUp.user.id);
  const conflicts = results.filter((r) => r.body.errors?.[0]?.extensions?.code === 'CONFLICT');
  expect(succeeded).toHaveLength(10);
  expect(conflicts).toHaveLength(10);
  const stored = await db.query(`SELECT id FROM app_user WHERE id = ANY($1::uuid[])`, [succeeded]);
  expect(stored).toHaveLength(10);
});

it('replays a mutation sent again with the same Idempotency-Key, also while the first is still running', async () => {
  const post = (query: string, variables: object, headers: Record<string, string> = {}) =>
    request(handle.server).post('/graphql').set('content-type', 'application/json').set(headers).send({ query, variables });
  const logIn = await post(LOG_IN, { i: { email: 'admin@pglite.test', password: 'admin-pass-1' } });
  const headers = { authorization: `Bearer ${logIn.body.data.logIn.token}`, 'idempotency-key': 'pglite-key-1' };
  const create = `mutation($i: CreateCommunityInput!) { createCommunity(input: $i) { id name } }`;
  const answers = await Promise.all(Array.from({ length: 5 }, () => post(create, { i: { name: 'idem-pglite' } }, headers)));
  const ids = new Set(answers.map((a) => a.body.data.createCommunity.id));
  expect(ids.size).toBe(1);
  expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(4);
  const later = await post(create, { i: { name: 'idem-pglite' } }, headers);
  expect([later.headers['idempotent-replayed'], later.body.data.createCommunity.id]).toEqual(['true', [...ids][0]]);
  expect(await names('idem-')).toEqual(['idem-pglite']);
});
