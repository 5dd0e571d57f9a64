import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import { nowMs } from '../src/common/clock';
import { DEMO_PASSWORD, seedDemo } from '../src/seed/seed';
import { startTestApp, type TestApp } from './support/app';
import { bearer, Subscription, until, wsClient } from './support/live';
import { minutesAgo } from './support/service-hours';

/*
 * README "A day of each user" (issue #16 item 6): every operation of the section runs on the demo
 * data as the account its block names, without an error. New blocks and operations in the section
 * are picked up as they are.
 */

const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
const start = readme.indexOf('### A day of each user');
const section = readme.slice(start, readme.indexOf('\n### ', start + 1));

interface Block {
  account: string;
  operations: OperationDefinitionNode[];
}

const blocks: Block[] = [...section.matchAll(/```graphql\n([\s\S]*?)```/g)].map(([, text]) => ({
  account: /^# as (\S+@demo\.cn)/.exec(text)![1],
  operations: parse(text).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION),
}));

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  await seedDemo(app.db, app.config);
});
afterAll(() => app.close());

const logIn = async (email: string) =>
  (await app.gqlOk(`mutation($e: String!, $p: String!) { logIn(input: { email: $e, password: $p }) { token } }`, { e: email, p: DEMO_PASSWORD })).logIn.token as string;

/** The section's variables on the demo data, for `account`. */
async function variablesFor(account: string): Promise<Record<string, unknown>> {
  const [community] = await app.db.query(`SELECT id FROM community WHERE name = '江畔家园公租房社区'`);
  // A room with the Sunday afternoon slot the merchant's contract check asks for.
  const [room] = await app.db.query(
    `SELECT id FROM room WHERE community_id = $1 AND weekly_slots @> '[{"weekday": "SUNDAY", "startTime": "14:00"}]' ORDER BY name LIMIT 1`,
    [community.id],
  );
  const [partner] = await app.db.query(
    `SELECT pm.partner_id AS id FROM partner_member pm JOIN app_user u ON u.id = pm.user_id WHERE u.email = $1 AND pm.role = 'OWNER' LIMIT 1`,
    [account],
  );
  const [demand] = partner
    ? await app.db.query(
        `SELECT d.id FROM demand_item d WHERE d.community_id = $1 AND d.status = 'OPEN'
            AND NOT EXISTS (SELECT 1 FROM demand_match m WHERE m.demand_id = d.id AND m.partner_id = $2 AND m.status IN ('PROPOSED', 'PENDING_REVIEW', 'APPROVED'))
          ORDER BY d.created_at LIMIT 1`,
        [community.id, partner.id],
      )
    : [];
  const [claim] = await app.db.query(`SELECT id FROM demand_match WHERE community_id = $1 AND status = 'PENDING_REVIEW' ORDER BY created_at LIMIT 1`, [community.id]);
  const hour = minutesAgo(180);
  return {
    c: community.id,
    r: room.id,
    p: partner?.id,
    d: demand?.id,
    m: claim.id,
    from: new Date(nowMs()).toISOString(),
    to: new Date(nowMs() + 7 * 86_400_000).toISOString(),
    start: hour.toISOString(),
    end: new Date(hour.getTime() + 3_600_000).toISOString(),
  };
}

describe('README: a day of each user', () => {
  it('has a block for the merchant, the department, the secretary and the resident', () => {
    expect(blocks.map((b) => b.account)).toEqual(['english@demo.cn', 'library@demo.cn', 'secretary.jiangpan@demo.cn', 'resident@demo.cn']);
    expect(blocks.every((b) => b.operations.length >= 2)).toBe(true);
    expect(section).toContain('rooms(filter:');
  });

  it.each(blocks.map((b) => [b.account, b] as const))('runs every operation as %s on the demo data, without an error', async (account, block) => {
    const token = await logIn(account);
    const all = await variablesFor(account);
    const variablesOf = (op: OperationDefinitionNode) => Object.fromEntries((op.variableDefinitions ?? []).map((v) => [v.variable.name.value, all[v.variable.name.value]]));
    const subscriptions: Subscription[] = [];
    for (const op of block.operations) {
      const variables = variablesOf(op);
      expect(Object.entries(variables).filter(([, v]) => v === undefined)).toEqual([]);
      if (op.operation === 'subscription') {
        subscriptions.push(new Subscription(wsClient(app.server, bearer(token)), print(op), variables));
        // Joined before the next operations run, so that their changes are heard.
        await until(() => app.handle.events.hub.subscriberCount(`pending-work:${all.c}`) > 0);
        continue;
      }
      const res = await app.gql(print(op), variables, token);
      expect({ operation: op.name?.value, errors: res.errors }).toEqual({ operation: op.name?.value, errors: undefined });
      expect(Object.values(res.data).every((v) => v !== null)).toBe(true);
    }
    // A subscription of the block heard what the block's mutations changed.
    for (const subscription of subscriptions) {
      const first = await subscription.next();
      expect(first.errors).toBeUndefined();
      subscription.unsubscribe();
    }
  });
});
