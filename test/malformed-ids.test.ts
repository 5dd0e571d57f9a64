import { buildSchema, getNamedType, isEnumType, isNonNullType, isScalarType, type GraphQLArgument, type GraphQLField } from 'graphql';
import fs from 'node:fs';
import path from 'node:path';
import { startTestApp, type TestApp } from './support/app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

/** A placeholder for a required scalar or enum argument, or undefined when the field needs an input object. */
function literal(arg: GraphQLArgument): string | undefined {
  const type = getNamedType(arg.type);
  if (isEnumType(type)) return type.getValues()[0].name;
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
    default:
      return undefined;
  }
}

/** Every root field whose arguments are all scalars and that takes at least one ID, called with malformed IDs. */
function calls(kind: 'query' | 'mutation'): { name: string; document: string }[] {
  const schema = buildSchema(fs.readFileSync(path.resolve(__dirname, '..', 'schema.graphql'), 'utf8'));
  const root = kind === 'query' ? schema.getQueryType()! : schema.getMutationType()!;
  return Object.values(root.getFields() as Record<string, GraphQLField<unknown, unknown>>)
    .filter((f) => f.args.some((a) => getNamedType(a.type).name === 'ID'))
    .flatMap((f) => {
      const args = f.args.filter((a) => isNonNullType(a.type) || getNamedType(a.type).name === 'ID');
      const values = args.map((a) => {
        const value = literal(a);
        return value && a.type.toString().replace(/!/g, '').startsWith('[') ? `[${value}]` : value;
      });
      if (values.some((v) => v === undefined)) return [];
      const argText = args.map((a, i) => `${a.name}: ${values[i]}`).join(', ');
      return [{ name: f.name, document: `${kind} { ${f.name}(${argText}) { __typename } }` }];
    });
}

describe.each(['query', 'mutation'] as const)('malformed IDs in every %s', (kind) => {
  it('never answer an internal error', async () => {
    const token = await app.adminToken();
    const list = calls(kind);
    expect(list.length).toBeGreaterThan(3);
    for (const { name, document } of list) {
      const res = await app.gql(document, {}, token);
      const codes = (res.errors ?? []).map((e) => e.extensions.code);
      expect({ name, codes }).toEqual({ name, codes: expect.not.arrayContaining(['INTERNAL_SERVER_ERROR']) });
    }
  });
});
