import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  getNamedType,
  isInterfaceType,
  isLeafType,
  isNonNullType,
  isObjectType,
  isUnionType,
  Kind,
  parse,
  print,
  type GraphQLField,
  type GraphQLNamedType,
  type OperationDefinitionNode,
} from 'graphql';
import request from 'supertest';
import { nowMs } from '../../src/common/clock';
import type { TestApp } from './app';
import { ok } from './demand-fixtures';
import { createRoom } from './fixtures';
import { slot } from './spaces';
import { visibilityScene } from './visibility-scene';

/**
 * A broad run of the app through its HTTP API, for test/citus-queries.test.ts: the visibility
 * scene (every kind of object, written by its mutations), projects and a rating round, the
 * README's day of each user as the scene's people, every root query field with a generated
 * selection (scalars and two levels of relations) as five viewers, the nested read, and the
 * calendar feed and personal export routes.
 */

const schema = buildSchema(readFileSync(path.join(__dirname, '..', '..', 'schema.graphql'), 'utf8'));

const takesRequiredArgument = (f: GraphQLField<unknown, unknown>) => f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined);

/** Every field without required arguments: scalars, and relations `depth` levels down (a connection's edges and node are free). */
function selection(type: GraphQLNamedType, depth: number, alias = ''): string {
  if (isLeafType(type)) return '';
  // A union's members share field names of different types: each member's fields under their own aliases.
  if (isUnionType(type)) return `{ __typename ${type.getTypes().map((t) => `... on ${t.name} ${selection(t, Math.min(depth, 1), t.name)}`).join(' ')} }`;
  if (!isObjectType(type) && !isInterfaceType(type)) return '';
  const connection = /(Connection|Edge)$/.test(type.name);
  const fields = Object.values(type.getFields()).filter((f) => !takesRequiredArgument(f));
  const parts = fields.flatMap((f) => {
    const inner = getNamedType(f.type);
    const name = alias ? `${alias}_${f.name}: ${f.name}` : f.name;
    if (isLeafType(inner)) return [name];
    const next = connection ? depth : depth - 1;
    return next >= 0 ? [`${name} ${selection(inner, next)}`] : [];
  });
  return parts.length ? `{ ${parts.join(' ')} }` : '';
}

/** `field(args) { ... }` for a root query field. */
function rootRead(field: string, args: string, variables: string): string {
  const f = schema.getQueryType()!.getFields()[field];
  return `query${variables ? `(${variables})` : ''} { ${field}${args ? `(${args})` : ''} ${selection(getNamedType(f.type), 2)} }`;
}

export async function citusFlow(app: TestApp) {
  const s = await visibilityScene(app);
  const admin = await app.adminToken();

  // Projects and a rating round of C (as test/visibility.test.ts sets them up).
  const proposeProject = async (token: string, input: Record<string, unknown>) =>
    (await app.gqlOk(`mutation($i: ProposeProjectInput!) { proposeProject(input: $i) { id } }`, { i: { communityId: s.C, title: '楼道微改造', ...input } }, token)).proposeProject.id as string;
  const project = await proposeProject(s.member.token, { leadPartnerId: s.P });
  await app.gqlOk(`mutation($id: ID!) { reviewProject(id: $id, decision: APPROVE, note: "同意") { id } }`, { id: project }, s.secretary.token);
  await proposeProject(s.otherSecretary.token, { title: '楼栋花园' });
  const round = {
    communityId: s.C,
    title: '评估定星',
    period: '2026Q4',
    closesAt: new Date(nowMs() + 7 * 86_400_000).toISOString(),
    partnerIds: [s.P],
    panelUserIds: [s.stranger.id, s.otherMember.id],
  };
  const ratingRound = (await app.gqlOk(`mutation($i: OpenRatingRoundInput!) { openRatingRound(input: $i) { id } }`, { i: round }, s.secretary.token)).openRatingRound.id as string;
  const scores = ['party_leadership', 'institutional_standards', 'overall_effectiveness', 'social_assessment', 'innovation'].map((key) => ({ key, score: 4 }));
  await app.gqlOk(`mutation($r: ID!, $p: ID!, $s: [CriterionScoreInput!]!) { scorePartner(roundId: $r, partnerId: $p, scores: $s, comment: "服务及时") { id } }`, { r: ratingRound, p: s.P, s: scores }, s.stranger.token);

  // The README's day of each user (queries and mutations; the subscription is left out), as the scene's people.
  const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf('### A day of each user');
  const section = readme.slice(start, readme.indexOf('\n### ', start + 1));
  const hour = nowMs() - 180 * 60_000;
  // A room with the Sunday afternoon slot the merchant's contract check asks for.
  const sundayRoom = await createRoom(app, s.secretary.token, s.C, [slot('SUNDAY', '14:00', '16:30')]);
  const who: Record<string, { token: string; p?: string }> = {
    'english@demo.cn': { token: s.member.token, p: s.P },
    'library@demo.cn': { token: s.otherMember.token, p: s.P2 },
    'secretary.jiangpan@demo.cn': { token: s.secretary.token },
    'resident@demo.cn': { token: s.otherSecretary.token },
  };
  const day = [...section.matchAll(/```graphql\n([\s\S]*?)```/g)].map(([, text]) => ({
    account: /^# as (\S+@demo\.cn)/.exec(text)![1],
    operations: parse(text).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && d.operation !== 'subscription'),
  }));
  for (const block of day) {
    const person = who[block.account];
    const all: Record<string, unknown> = {
      c: s.C,
      r: sundayRoom,
      p: person.p,
      d: s.D3,
      m: s.pending,
      from: new Date(nowMs()).toISOString(),
      to: new Date(nowMs() + 7 * 86_400_000).toISOString(),
      start: new Date(hour).toISOString(),
      end: new Date(hour + 3_600_000).toISOString(),
    };
    for (const op of block.operations) {
      const variables = Object.fromEntries((op.variableDefinitions ?? []).map((v) => [v.variable.name.value, all[v.variable.name.value]]));
      ok(await app.gql(print(op), variables, person.token));
    }
  }

  // Every root query field, as five viewers; the admin may read them all.
  const week = { from: new Date(nowMs() - 30 * 86_400_000).toISOString(), to: new Date(nowMs() + 30 * 86_400_000).toISOString() };
  const reads: [string, string, string, Record<string, unknown>][] = [
    ['agendaItem', 'id: $id', '$id: ID!', { id: s.openAgenda }],
    ['agendaItems', 'communityId: $c', '$c: ID!', { c: s.C }],
    ['bookings', 'filter: { communityId: $c, from: $from, to: $to }', '$c: ID!, $from: DateTime, $to: DateTime', { c: s.C, ...week }],
    ['bookings', 'filter: { roomId: $r }', '$r: ID!', { r: s.roomId }],
    ['bookings', 'filter: { contractId: $k }', '$k: ID!', { k: s.activeContract }],
    ['communities', '', '', {}],
    ['community', 'id: $c', '$c: ID!', { c: s.C }],
    ['contract', 'id: $k', '$k: ID!', { k: s.activeContract }],
    ['contracts', 'filter: { communityId: $c }', '$c: ID!', { c: s.C }],
    ['contracts', 'filter: { roomId: $r }', '$r: ID!', { r: s.roomId }],
    ['demandItem', 'id: $d', '$d: ID!', { d: s.D }],
    ['demandItems', 'filter: { communityId: $c }', '$c: ID!', { c: s.C }],
    ['demandItems', 'filter: { search: "快递" }', '', {}],
    ['match', 'id: $m', '$m: ID!', { m: s.approved }],
    ['matches', 'filter: { communityId: $c }', '$c: ID!', { c: s.C }],
    ['matches', 'filter: { demandId: $d }', '$d: ID!', { d: s.D }],
    ['me', '', '', {}],
    ['mySignedLinks', '', '', {}],
    ['notifications', '', '', {}],
    ['offer', 'id: $o', '$o: ID!', { o: s.O }],
    ['offers', 'filter: { partnerId: $p }', '$p: ID!', { p: s.P }],
    ['offers', 'filter: { communityId: $c }', '$c: ID!', { c: s.C }],
    ['partner', 'id: $p', '$p: ID!', { p: s.P }],
    ['partners', 'filter: { communityId: $c }', '$c: ID!', { c: s.C }],
    ['partners', '', '', {}],
    ['pendingWork', 'communityId: $c', '$c: ID!', { c: s.C }],
    ['project', 'id: $id', '$id: ID!', { id: project }],
    ['projects', 'communityId: $c', '$c: ID!', { c: s.C }],
    ['publicBoard', 'communityId: $c', '$c: ID!', { c: s.C }],
    ['ratingRound', 'id: $id', '$id: ID!', { id: ratingRound }],
    ['ratingRounds', 'communityId: $c', '$c: ID!', { c: s.C }],
    ['residentRequest', 'id: $id', '$id: ID!', { id: s.acceptedRequest }],
    ['residentRequests', 'filter: { communityId: $c }', '$c: ID!', { c: s.C }],
    ['residentRequests', 'filter: { mine: true }', '', {}],
    ['reviewQueue', 'communityId: $c', '$c: ID!', { c: s.C }],
    ['room', 'id: $r', '$r: ID!', { r: s.roomId }],
    ['rooms', 'filter: { communityId: $c }', '$c: ID!', { c: s.C }],
    ['rooms', 'filter: { partnerId: $p }', '$p: ID!', { p: s.P }],
    ['serviceHoursSummary', 'input: { communityId: $c, from: $from, to: $to, groupBy: PARTNER }', '$c: ID!, $from: DateTime!, $to: DateTime!', { c: s.C, ...week }],
    ['serviceLogs', 'filter: { communityId: $c }', '$c: ID!', { c: s.C }],
    ['serviceLogs', 'filter: { partnerId: $p }', '$p: ID!', { p: s.P2 }],
  ];
  const viewers = [admin, s.secretary.token, s.member.token, s.otherSecretary.token, null];
  const adminErrors: unknown[] = [];
  for (const [field, args, variables, values] of reads) {
    const document = rootRead(field, args, variables);
    for (const token of viewers) {
      const res = await app.gql(document, values, token);
      if (token === admin) {
        // Every read answers the admin, whole: the generated selection is valid and each field resolves.
        if (res.errors || !res.data?.[field]) adminErrors.push({ field, args, errors: res.errors });
      }
    }
  }

  // The nested read (test/demand-read.test.ts, docs/bench.md): one statement.
  const nested = `query($c: ID!) { demandItems(filter: { communityId: $c }, first: 20) { edges { node { id title remainingQuantity
      community { id name } matches { id status quantity reviewedBy { id } partner { id name } offer { id title partner { id } } evaluation { rating } } } } } }`;
  ok(await app.gql(nested, { c: s.C }, s.secretary.token));

  // Routes past GraphQL.
  const feed = await request(app.server).get(`/calendar/rooms/${s.roomId}.ics`);
  expect(feed.status).toBe(200);
  const exported = await request(app.server).get('/me/export').set('authorization', `Bearer ${s.member.token}`);
  expect(exported.status).toBe(200);

  return { scene: s, adminErrors, reads: reads.length };
}
