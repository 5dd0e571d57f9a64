import {
  getNamedType,
  getNullableType,
  isEnumType,
  isLeafType,
  isListType,
  isObjectType,
  isSpecifiedScalarType,
  type GraphQLEnumType,
  type GraphQLFieldResolver,
  type GraphQLNamedType,
  type GraphQLLeafType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { getMetadataArgsStorage } from 'typeorm';

/*
 * Leaf values written as they are. graphql-jit serializes every String, Int, Float, Boolean, ID and
 * enum value of an answer through its type's `serialize`, passing each call a fresh array of the
 * field's locations and another of its response path in case it fails: a nested read's thousand
 * leaves made a fifth of what its request allocated, and those arrays most of that. For a value
 * already in its serialized form (a string for String and ID, an integer for Int, a number for
 * Float, a boolean, an enum's own name) `serialize` gives it back unchanged, so the executor is
 * told to skip it (`disableLeafSerialization`, ops/compiled-execution.ts), and this module makes
 * sure every leaf comes in that form:
 *
 *   - trusted, read as they are: fields without a resolver that are columns of an entity whose
 *     column type gives exactly that JavaScript type (text and uuid: strings; int, smallint: numbers;
 *     float8: numbers; boolean), getters of an entity class, and plain fields of other classes whose
 *     TypeScript type is string, number or boolean;
 *   - every other leaf field (a resolver's answer, numeric or bigint columns, which pg gives as
 *     strings, columns with a transformer, fields typed loosely) is serialized by its own resolver,
 *     wrapped here, with graphql-js's `serialize` and graphql-jit's wording when that refuses.
 *
 * DateTime and the other custom scalars are serialized by the executor as before. Enums whose
 * values differ from their names are never trusted. Tests run with `checkLeafValues`
 * (GRAPHQL_CHECK_LEAVES, on under NODE_ENV=test): the executor then serializes every leaf again
 * and fails the field when that would have changed its value, so a trusted field that is not what
 * its type says shows in any test that reads it.
 */

type Resolve = GraphQLFieldResolver<unknown, unknown>;

/** The leaf types the executor writes as they come: enums and the specified scalars (not DateTime). */
const writtenAsTheyCome = (type: GraphQLNamedType): type is GraphQLLeafType => isLeafType(type) && (isEnumType(type) || isSpecifiedScalarType(type));

/** An enum's values are its names (TypeScript string enums whose members equal their values). */
const enumNamesAreValues = (type: GraphQLEnumType) => type.getValues().every((v) => v.value === v.name);

const STRING_COLUMNS = new Set<unknown>(['varchar', 'character varying', 'text', 'uuid', 'char', 'character', 'citext', 'enum', 'simple-enum', String]);
const INT_COLUMNS = new Set<unknown>(['int', 'integer', 'int4', 'int2', 'smallint', Number]);
const FLOAT_COLUMNS = new Set<unknown>([...INT_COLUMNS, 'float', 'float4', 'float8', 'double precision', 'real']);
const BOOLEAN_COLUMNS = new Set<unknown>(['boolean', 'bool', Boolean]);

/** The column types (TypeORM's names, or a design type) whose values pg and our hydration give in the serialized form of a GraphQL type. */
function columnTypesFor(type: GraphQLLeafType): ReadonlySet<unknown> | null {
  if (isEnumType(type)) return STRING_COLUMNS;
  switch (type.name) {
    case 'String':
    case 'ID':
      return STRING_COLUMNS;
    case 'Int':
      return INT_COLUMNS;
    case 'Float':
      return FLOAT_COLUMNS;
    case 'Boolean':
      return BOOLEAN_COLUMNS;
    default:
      return null;
  }
}

/** The TypeScript (design) types whose values are in the serialized form of a GraphQL type. */
function designTypesFor(type: GraphQLLeafType): readonly unknown[] {
  if (isEnumType(type)) return [String];
  return type.name === 'Int' || type.name === 'Float' ? [Number] : type.name === 'Boolean' ? [Boolean] : [String];
}

/** Each class and its ancestors. */
function* classChain(target: Function): Generator<Function> {
  for (let t: Function | null = target; t && t !== Function.prototype; t = Object.getPrototypeOf(t) as Function | null) yield t;
}

/** Whether a resolver-less field `property` of `target` (a type's class) holds its leaf type's serialized form. */
function trusted(target: Function, property: string, type: GraphQLLeafType): boolean {
  if (isEnumType(type) && !enumNamesAreValues(type)) return false;
  const columns = getMetadataArgsStorage();
  const isEntity = [...classChain(target)].some((t) => columns.filterTables(t).length > 0);
  for (const t of classChain(target)) {
    if (typeof Object.getOwnPropertyDescriptor(t.prototype, property)?.get === 'function') return isEntity && designTypesFor(type).includes(Reflect.getMetadata('design:type', t.prototype, property));
    const column = columns.filterColumns(t).find((c) => c.propertyName === property);
    if (column) {
      const allowed = columnTypesFor(type);
      return !!allowed && (column.mode === 'regular' || column.mode === 'version') && !column.options.transformer && allowed.has(column.options.type);
    }
  }
  // Not a column: a plain property of a class, whose TypeScript type says what it holds.
  return !isEntity && designTypesFor(type).includes(Reflect.getMetadata('design:type', target.prototype, property));
}

/** graphql-js's serialization of a leaf value, worded as graphql-jit words its refusals. */
function serializer(type: GraphQLLeafType): (value: unknown) => unknown {
  return (value) => {
    if (value === null || value === undefined || value instanceof Error) return value;
    const serialized = type.serialize(value);
    if (serialized === undefined || Number.isNaN(serialized)) throw new Error(`Expected a value of type "${type.name}" but received: ${String(value)}`);
    return serialized;
  };
}

/** The serialized form of a field's answer: a leaf, or a list (of lists) of leaves. */
function serializing(type: GraphQLOutputType, leaf: (value: unknown) => unknown): (value: unknown) => unknown {
  const inner = getNullableType(type);
  if (!isListType(inner)) return leaf;
  const item = serializing(inner.ofType, leaf);
  return (value) => (Array.isArray(value) ? value.map(item) : value);
}

/**
 * Gives every leaf field of the schema's object types that is not trusted (see above) a resolver
 * that serializes its answer. Call after the schema's resolvers are final.
 */
export function serializeUntrustedLeaves(schema: GraphQLSchema): void {
  const classes = new Map(getMetadataStorage().objectTypes.map((t) => [t.name, t.target]));
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const target = classes.get(type.name);
    for (const field of Object.values(type.getFields())) {
      const leaf = getNamedType(field.type);
      if (!writtenAsTheyCome(leaf)) continue;
      if (!field.resolve && !isListType(getNullableType(field.type)) && target && trusted(target, field.name, leaf)) continue;
      const inner: Resolve = field.resolve ?? ((root) => (root as Record<string, unknown> | null)?.[field.name]);
      const serialize = serializing(field.type, serializer(leaf));
      field.resolve = (root, args, context, info) => {
        const value = inner(root, args, context, info);
        return value instanceof Promise ? value.then(serialize) : serialize(value);
      };
    }
  }
}

/**
 * For tests (`checkLeafValues`): serializers that fail a leaf whose value serialization would have
 * changed, by the executor's type name (graphql-jit's `customSerializers`).
 */
export function checkingSerializers(schema: GraphQLSchema): Record<string, (value: unknown) => unknown> {
  const checks: Record<string, (value: unknown) => unknown> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (!writtenAsTheyCome(type) || type.name.startsWith('__')) continue;
    checks[type.name] = (value) => {
      const serialized = type.serialize(value);
      if (!Object.is(serialized, value)) {
        throw new Error(`leaf value not in its serialized form: ${type.name} ${JSON.stringify(value)} would be written ${JSON.stringify(serialized)} (common/leaf-values.ts)`);
      }
      return serialized;
    };
  }
  return checks;
}
