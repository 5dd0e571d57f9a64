import { getNamedType, isObjectType, type GraphQLObjectType } from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { assertNoPipelineGuards, BUILD_OPTIONS, createSchema } from '../src/schema';
import { VISIBILITY } from '../src/visibility';

/*
 * THE BYPASS TRAP (src/schema.ts): plain fields are `simple` and many field resolvers are called
 * directly, so nothing pipeline-wide (global middlewares, an authChecker) runs on them. A
 * restricted field is guarded only by its own field resolver asking its domain's visibility
 * function. These checks fail when a restricted field stops resolving through a field resolver
 * (say its @FieldResolver is removed and the entity's property is read as it is), or when someone
 * reaches for a pipeline-wide guard that would be bypassed. test/visibility.test.ts reads every
 * restricted field through the API as every role.
 */

let schema: Awaited<ReturnType<typeof createSchema>>;
beforeAll(async () => {
  schema = await createSchema();
});

/** `history { note by }` is a rule about part of `history`: the guard is the field's. */
const restricted = VISIBILITY.flatMap((t) => Object.keys(t.fields).map((f) => ({ type: t.type, field: f.split(' ')[0] })));

describe('every restricted field of the visibility tables', () => {
  it.each(restricted.map((r) => [`${r.type}.${r.field}`, r] as const))('%s resolves through its field resolver', (_name, { type, field }) => {
    const objectType = schema.getType(type);
    expect(objectType && isObjectType(objectType)).toBe(true);
    const graphqlField = (objectType as GraphQLObjectType).getFields()[field];
    expect(graphqlField).toBeDefined();
    // A simple field has no resolve: graphql-js would read the property, unguarded.
    expect(typeof graphqlField.resolve).toBe('function');
    const storage = getMetadataStorage();
    // Run alone (in band), jest's global setup has already loaded the entities once in this
    // process, so a type's name can have two classes: either one counts.
    const targets = storage.objectTypes.filter((t) => t.name === type).map((t) => t.target);
    const resolver = storage.fieldResolvers.find((r) => targets.includes(r.getObjectType?.() as Function) && r.schemaName === field);
    expect({ field: `${type}.${field}`, hasFieldResolver: !!resolver }).toEqual({ field: `${type}.${field}`, hasFieldResolver: true });
  });

  it('covers every type with a restricted field (the list is not empty by mistake)', () => {
    expect(restricted.length).toBeGreaterThan(15);
    expect(new Set(restricted.map((r) => getNamedType(schema.getType(r.type)!).name)).size).toBe(VISIBILITY.filter((t) => Object.keys(t.fields).length).length);
  });
});

describe('pipeline-wide guards', () => {
  it('are refused where they would be bypassed', () => {
    expect(() => assertNoPipelineGuards(BUILD_OPTIONS)).not.toThrow();
    expect(() => assertNoPipelineGuards({ ...BUILD_OPTIONS, authChecker: () => true })).toThrow(/authChecker would not run/);
    expect(() => assertNoPipelineGuards({ ...BUILD_OPTIONS, globalMiddlewares: [] })).toThrow(/globalMiddlewares would not run/);
  });

  it('no field with its own middlewares or roles is read as a simple property', () => {
    const guarded = getMetadataStorage().fields.filter((f) => f.middlewares?.length || f.roles?.length);
    expect(guarded.filter((f) => f.simple).map((f) => f.name)).toEqual([]);
  });
});
