import { buildSchema, getNamedType, isEnumType, isInputObjectType, isLeafType, isListType, isNonNullType, isScalarType, type GraphQLField, type GraphQLInputType } from 'graphql';
import fs from 'node:fs';
import path from 'node:path';
import { startTestApp, type TestApp } from './support/app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

/**
 * A placeholder for a value of `type`: IDs are malformed, other scalars and enums plausible, input
 * objects filled in their required fields (so that mutations taking an input run too).
 */
function literal(type: GraphQLInputType): string | undefined {
  if (isNonNullType(type)) return literal(type.ofType);
  if (isListType(type)) {
    const item = literal(type.ofType);
    return item === undefined ? undefined : `[${item}]`;
  }
  if (isEnumType(type)) return type.getValues()[0].name;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) || getNamedType(f.type).name === 'ID');
    const values = fields.map((f) => literal(f.type));
    if (values.some((v) => v === undefined)) return undefined;
    return `{ ${fields.map((f, i) => `${f.name}: ${values[i]}`).join(', ')} }`;
  }
  if (!isScalarType(type)) return undefined;
  switch (type.name) {
    case 'ID':
      return '"not-a-uuid"';
    case 'String':
      return '"reason"';
    case 'Boolean':
      return 'false';
    case 'Int':
      return '1';
    case 'DateTime':
      return '"2026-01-01T00:00:00Z"';
    case 'LocalDate':
      return '"2026-01-01"';
    case 'LocalTime':
      return '"09:00"';
    default:
      return undefined;
  }
}

/** Whether a value of this type carries an ID (itself, or a field of an input object). */
function reachesId(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const named = getNamedType(type);
  if (named.name === 'ID') return true;
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((f) => reachesId(f.type, seen));
}

/** Every root field that takes an ID argument (also inside an input object), called with malformed IDs (and a selection its return type accepts). */
function calls(kind: 'query' | 'mutation'): { name: string; document: string }[] {
  const schema = buildSchema(fs.readFileSync(path.resolve(__dirname, '..', 'schema.graphql'), 'utf8'));
  const root = kind === 'query' ? schema.getQueryType()! : schema.getMutationType()!;
  return Object.values(root.getFields() as Record<string, GraphQLField<unknown, unknown>>)
    .filter((f) => f.args.some((a) => reachesId(a.type)))
    .flatMap((f) => {
      const args = f.args.filter((a) => isNonNullType(a.type) || reachesId(a.type));
      const values = args.map((a) => literal(a.type));
      if (values.some((v) => v === undefined)) return [];
      const argText = args.map((a, i) => `${a.name}: ${values[i]}`).join(', ');
      const selection = isLeafType(getNamedType(f.type)) ? '' : ' { __typename }';
      return [{ name: f.name, document: `${kind} { ${f.name}(${argText})${selection} }` }];
    });
}

it('reaches every mutation taking an ID, those with input objects and leaf answers included', () => {
  const names = calls('mutation').map((c) => c.name);
  expect(names).toEqual(expect.arrayContaining(['markNotificationsRead', 'evaluateMatch', 'updateRoom', 'verifyServiceLogs', 'postDemand', 'bookSlot', 'createRoom', 'proposeContract']));
});

describe.each(['query', 'mutation'] as const)('malformed IDs in every %s', (kind) => {
  it('never answer an internal error', async () => {
    const token = await app.adminToken();
    const list = calls(kind);
    expect(list.length).toBeGreaterThan(3);
    for (const { name, document } of list) {
      const res = await app.gql(document, {}, token);
      const codes = (res.errors ?? []).map((e) => e.extensions.code);
      // Each document must run: one that fails validation proves nothing about the resolver.
      expect({ name, codes }).toEqual({ name, codes: expect.not.arrayContaining(['INTERNAL_SERVER_ERROR', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED']) });
      // A mutation never acts on a malformed id: it names no row.
      if (kind === 'mutation') expect({ name, codes }).toEqual({ name, codes: [expect.stringMatching(/^(NOT_FOUND|BAD_USER_INPUT)$/)] });
    }
  });
});
