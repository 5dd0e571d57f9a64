import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getNamedType, Kind, parse, print, typeFromAST, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { nowMs } from '../src/common/clock';
import { loadConfig } from '../src/config';
import type { DataBounds } from '../src/common/row-bounds';
import { roomBounds } from '../src/communities/communities.service';
import { operationCost, operationDepth } from '../src/ops/limits';
import { OperationGuard } from '../src/ops/operation-guard';
import { createSchema } from '../src/schema';
import { DEMO_PASSWORD, seedDemo } from '../src/seed/seed';
import { startTestApp, type TestApp } from './support/app';
import { minutesAgo } from './support/service-hours';

/*
 * Limits that fit the users (issue #16 item 5), the secretary's and a department's part (the
 * merchant's room search: test/persona-merchant.test.ts): their natural operations and every
 * example of the README pass the DEFAULT depth and cost limits, and run on the demo data as the
 * person who would send them; hostile shapes of the same fields are still refused
 * (test/ops-guard.test.ts holds the rest of the hardening cases).
 */

/** What a secretary sends on an ordinary day, beyond the README: the pending work with each item's history, the next page, the review queue in full. */
const SECRETARY = {
  account: 'secretary.jiangpan@demo.cn',
  operations: `
query PendingWorkWithHistory($c: ID!, $after: String) {
  pendingWork(communityId: $c) {
    community { name } claims contracts partnerships serviceLogs requests total
    items(first: 20, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node {
        __typename
        ... on Match { id claimStatus: status origin quantity note createdAt
          demand { id title description category urgency neededBy quantity remainingQuantity unit community { name } }
          claimant: partner { id name category stats { stars fulfilledMatches averageRating } } alone: volunteer { displayName }
          offer { title quantity unit } history { from to at note by { displayName } } }
        ... on SpaceContract { id contractStatus: status title startsOn endsOn sessionsPerMonth publicBenefitCommitment createdAt
          weeklySlots { weekday startTime endTime } room { id name capacity features } tenant: partner { id name stats { stars activeContracts } }
          conflicts { start end } history { from to at note by { displayName } } }
        ... on Partnership { id partnershipStatus: status createdAt applicant: partner { id name category description stats { stars } }
          history { from to at note by { displayName } } }
        ... on ServiceLog { id logStatus: status startedAt endedAt minutes description createdAt volunteer { id displayName }
          forPartner: partner { name } match { demand { title } } contract { title } history { from to at note by { displayName } } }
        ... on ResidentRequest { id requestStatus: status kind title details: description building anonymousOnBoard createdAt
          requester { displayName } history { from to at note by { displayName } } }
      } }
    }
  }
}
query ReviewQueueInFull($c: ID!) {
  reviewQueue(communityId: $c, first: 20) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id quantity origin note createdAt
      partner { name category stats { stars fulfilledMatches averageRating verifiedServiceMinutes } }
      volunteer { displayName }
      demand { title category urgency neededBy quantity remainingQuantity unit matches { status quantity partner { name } } }
      offer { title quantity remainingQuantity unit }
      history { from to at note by { displayName } } } }
  }
}`,
};

/** What a department sends: suggestions for it, its claims with their outcome, a log of hours, its logs of the month. */
const DEPARTMENT = {
  account: 'library@demo.cn',
  operations: `
query Suggestions($p: ID!) {
  partner(id: $p) { name suggestedDemands(first: 10) { score reasons demand { id title urgency neededBy remainingQuantity unit community { name } } offer { title } } }
}
query ClaimsInFull($p: ID!) {
  matches(filter: { partnerId: $p }, first: 50) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id status quantity origin note reviewNote reviewedAt fulfilledAt createdAt rating
      demand { title urgency neededBy remainingQuantity unit community { name } }
      reviewedBy { displayName } evaluation { rating comment } history { from to at note by { displayName } } } }
  }
}
mutation LogHours($c: ID!, $p: ID!, $start: DateTime!, $end: DateTime!) {
  logService(input: { communityId: $c, partnerId: $p, startedAt: $start, endedAt: $end, description: "周末亲子阅读活动" }) {
    id status minutes startedAt endedAt description volunteer { displayName } partner { name } community { name } }
}
query LogsInFull($p: ID!, $from: DateTime!, $to: DateTime!) {
  serviceLogs(filter: { partnerId: $p, from: $from, to: $to }, first: 50) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id status startedAt endedAt minutes description verifiedAt createdAt
      volunteer { displayName } community { name } verifiedBy { displayName } match { demand { title } } contract { title }
      history { from to at note by { displayName } } } }
  }
  serviceHoursSummary(input: { partnerId: $p, groupBy: MONTH, from: $from, to: $to }) { key label logCount verifiedMinutes pendingMinutes }
}`,
};

const operationsOf = (text: string) => parse(text).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);

const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
const README_OPERATIONS = [
  ...[...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]),
  ...[...readme.matchAll(/`((?:query|mutation)\(\$[^`]+)`/g)].map((m) => m[1]),
  ...[...readme.matchAll(/query: '(subscription[^']+)'/g)].map((m) => m[1]),
].flatMap(operationsOf);

/** The default limits, as a server without GRAPHQL_MAX_* variables has them. */
const defaults = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://unused/unused', JWT_SECRET: 'a-secret-for-reading-the-defaults' }).limits;
const SAMPLE: Record<string, unknown> = { ID: '00000000-0000-4000-8000-000000000000', DateTime: '2027-01-03T06:00:00.000Z', Int: 1, String: 'x', Boolean: true };

let schema: GraphQLSchema;
let guard: OperationGuard;
/** The demo's data: the guard costs rooms by the most weekly slots a room really has, as a server does. */
let app: TestApp;
let bounds: DataBounds;
beforeAll(async () => {
  schema = await createSchema();
  app = await startTestApp();
  await seedDemo(app.db, app.config);
  bounds = await roomBounds(app.db);
  guard = new OperationGuard({ introspection: false, limits: defaults, rateLimit: { perUser: 0, perIp: 0, windowMs: 60_000 } } as never, async () => bounds);
});
afterAll(() => app.close());

/** Sample values for the operation's variables (the cost depends only on `first` and windows). */
const sampleVariables = (op: OperationDefinitionNode) =>
  Object.fromEntries((op.variableDefinitions ?? []).map((v) => [v.variable.name.value, SAMPLE[getNamedType(typeFromAST(schema, v.type as never)!).name]]));

/** The guard's verdict with the default limits on the demo's data, and what it measured. */
async function judged(op: OperationDefinitionNode, variables = sampleVariables(op)) {
  const document = { kind: Kind.DOCUMENT, definitions: [op] } as const;
  const refusal = await guard.check(schema, document, op, variables);
  return { name: op.name?.value ?? print(op).slice(0, 60), refused: refusal?.message ?? null, depth: operationDepth(document, op), cost: operationCost(schema, document, op, variables, bounds) };
}

describe('the default limits', () => {
  it('are the ones this file measures against', () => {
    expect(defaults).toMatchObject({ maxDepth: 10, maxCost: 10_000 });
  });

  it.each([
    ['secretary', SECRETARY.operations],
    ['department', DEPARTMENT.operations],
  ])("pass the %s's natural operations", async (_, text) => {
    for (const op of operationsOf(text)) {
      const verdict = await judged(op);
      expect(verdict).toMatchObject({ name: verdict.name, refused: null });
      expect(verdict.depth).toBeLessThanOrEqual(defaults.maxDepth);
      expect(verdict.cost).toBeLessThanOrEqual(defaults.maxCost);
    }
  });

  it("pass every example of the README (the day of each user's included)", async () => {
    expect(README_OPERATIONS.map((op) => op.name?.value)).toEqual(expect.arrayContaining(['SecretaryPendingWork', 'SecretaryPendingLive', 'DepartmentClaims', 'DepartmentLogHours', 'DepartmentLogs', 'MerchantContracts']));
    const refused = (await Promise.all(README_OPERATIONS.map((op) => judged(op)))).filter((v) => v.refused);
    expect(refused).toEqual([]);
  });

  it('still refuse hostile shapes of the same fields', async () => {
    const hostile = operationsOf(`
      query ManyPendingPages($c: ID!) { ${Array.from({ length: 30 }, (_, i) => `p${i}: pendingWork(communityId: $c) { items(first: 100) { edges { node { ... on Match { history { by { displayName } } demand { matches { history { at } } } } } } } }`).join(' ')} }
      query DeepInPending($c: ID!) { pendingWork(communityId: $c) { items { edges { node { ... on Match { demand { matches { demand { matches { demand { community { name } } } } } } } } } } } }
      query AllLogsEverywhere { serviceLogs(first: 100) { edges { node { match { demand { matches { history { by { displayName } } } } } } } } }
    `);
    const verdicts = await Promise.all(hostile.map((op) => judged(op)));
    expect(verdicts.map((v) => [v.name, v.refused === null ? 'passed' : 'refused'])).toEqual([
      ['ManyPendingPages', 'refused'],
      ['DeepInPending', 'refused'],
      ['AllLogsEverywhere', 'refused'],
    ]);
    expect(verdicts[1].depth).toBeGreaterThan(defaults.maxDepth);
    expect(verdicts[2].cost).toBeGreaterThan(defaults.maxCost);
  });
});

describe('on the demo data, with the default limits', () => {
  it.each([SECRETARY, DEPARTMENT])('runs the natural operations of $account without an error', async ({ account, operations }) => {
    const token = (await app.gqlOk(`mutation($e: String!, $p: String!) { logIn(input: { email: $e, password: $p }) { token } }`, { e: account, p: DEMO_PASSWORD })).logIn.token;
    const [community] = await app.db.query(`SELECT id FROM community WHERE name = '江畔家园公租房社区'`);
    const [partner] = await app.db.query(`SELECT pm.partner_id AS id FROM partner_member pm JOIN app_user u ON u.id = pm.user_id WHERE u.email = $1`, [account]);
    const hour = minutesAgo(300);
    const values: Record<string, unknown> = {
      c: community.id,
      p: partner?.id,
      start: hour.toISOString(),
      end: new Date(hour.getTime() + 3_600_000).toISOString(),
      from: new Date(nowMs() - 30 * 86_400_000).toISOString(),
      to: new Date(nowMs()).toISOString(),
    };
    for (const op of operationsOf(operations)) {
      const variables = Object.fromEntries((op.variableDefinitions ?? []).map((v) => [v.variable.name.value, values[v.variable.name.value] ?? null]));
      const res = await app.gql(print(op), variables, token);
      expect({ operation: op.name!.value, errors: res.errors }).toEqual({ operation: op.name!.value, errors: undefined });
    }
    if (account === SECRETARY.account) {
      // The work waiting in the demo: every kind is there, so each fragment above was exercised.
      const res = await app.gqlOk(print(operationsOf(operations)[0]), { c: community.id }, token);
      const kinds = new Set(res.pendingWork.items.edges.map((e: { node: { __typename: string } }) => e.node.__typename));
      expect(kinds).toEqual(new Set(['Match', 'SpaceContract', 'ServiceLog', 'ResidentRequest', ...(res.pendingWork.partnerships ? ['Partnership'] : [])]));
    }
  });
});
