import {
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { BadUserInputError, fieldError, type FieldError } from '../errors';
import { msg, type Msg } from '../i18n/messages';
import { isLocalDate } from './scalars';

/*
 * One check of every argument of every field, whatever carries the operation (HTTP, WebSocket, any
 * later transport): it wraps the schema's field resolvers, so it runs on the coerced arguments
 * (literals and variables alike) before a resolver body does. Text that PostgreSQL refuses (NUL) or
 * that misleads whoever reads it later (terminal escapes, bidi overrides that make `exe.txt` of
 * `txt.exe`) is refused with BAD_USER_INPUT naming the field (`input.title`, `ids[1]`); so are
 * instants and dates outside the years this service can mean.
 */

/** Instants and local dates are accepted from 2000-01-01 up to (not including) 2101-01-01 (UTC for instants). */
export const EARLIEST_YEAR = 2000;
export const LATEST_YEAR = 2100;
const EARLIEST_MS = Date.UTC(EARLIEST_YEAR, 0, 1);
const END_MS = Date.UTC(LATEST_YEAR + 1, 0, 1);
const YEAR_RANGE = msg('field.yearRange', { from: `${EARLIEST_YEAR}-01-01`, to: `${LATEST_YEAR}-12-31` });

/** Fields whose text may span lines (tab, LF and CR allowed); every other string is one line. */
const MULTI_LINE = new Set(['description', 'note', 'reason', 'comment', 'purpose', 'publicBenefitCommitment', 'reviewNote', 'message']);

/** C0 and C1 controls, DEL, bidi embeddings/overrides/isolates, and lone surrogates (text that is not well-formed UTF-16). */
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LINE_BREAKS = /[\t\n\r]/;

const codePoint = (c: string) => `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

/** Why `text` may not be stored in a field named `name`, or null if it may. */
export function textProblem(text: string, name: string): Msg | null {
  const bad = FORBIDDEN.exec(text);
  if (bad) {
    const c = bad[0];
    const code = c.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdfff) return msg('field.loneSurrogate');
    if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)) return msg('field.bidiControl', { code: codePoint(c) });
    return msg('field.controlChars', { code: codePoint(c) });
  }
  if (!MULTI_LINE.has(name)) {
    const br = LINE_BREAKS.exec(text);
    if (br) return msg('field.oneLine', { code: codePoint(br[0]) });
  }
  return null;
}

export function instantProblem(at: Date): Msg | null {
  const ms = at.getTime();
  if (!(ms >= EARLIEST_MS && ms < END_MS)) return YEAR_RANGE;
  return null;
}

/** For YYYY-MM-DD strings already checked for shape. */
export function localDateProblem(date: string): Msg | null {
  const year = Number(date.slice(0, 4));
  if (!(year >= EARLIEST_YEAR && year <= LATEST_YEAR)) return YEAR_RANGE;
  return null;
}

/** The last name in a path: `input.weeklySlots[2].startTime` -> `startTime`. */
const leafName = (path: string) => /([A-Za-z_]\w*)(?:\[\d+\])*$/.exec(path)?.[1] ?? path;

function walk(value: unknown, type: GraphQLInputType, path: string, errors: FieldError[], required = false): void {
  if (value === null || value === undefined) return;
  if (isNonNullType(type)) return walk(value, type.ofType, path, errors, true);
  if (isListType(type)) {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, type.ofType, `${path}[${i}]`, errors));
    else walk(value, type.ofType, path, errors);
    return;
  }
  if (isInputObjectType(type)) {
    if (typeof value !== 'object') return;
    const fields = type.getFields();
    for (const key of Object.keys(fields)) walk((value as Record<string, unknown>)[key], fields[key].type, `${path}.${key}`, errors);
    return;
  }
  if (!isScalarType(type)) return;
  let problem: Msg | null = null;
  if (value instanceof Date) problem = instantProblem(value);
  else if (typeof value === 'string') {
    problem = textProblem(value, leafName(path));
    // Required text is meant to say something: blank would be stored as an empty name once trimmed.
    if (!problem && required && type.name === 'String' && !/\S/.test(value)) problem = msg('field.notBlank');
    if (!problem && type.name === 'LocalDate') {
      if (!isLocalDate(value)) return void errors.push(fieldError(path, msg('field.localDate')));
      problem = localDateProblem(value);
    }
  }
  if (problem) errors.push(fieldError(path, problem));
}

/** The problems of a field's coerced arguments, each named by its path from the argument. */
export function argumentProblems(args: readonly GraphQLArgument[], values: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  for (const arg of args) walk(values?.[arg.name], arg.type, arg.name, errors);
  return errors;
}

/** Whether a type can hold a value this guard checks (strings or instants); enums, numbers and booleans cannot. */
function checkable(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const named = getNamedType(type);
  if (isScalarType(named)) return !['Int', 'Float', 'Boolean'].includes(named.name);
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((f) => checkable(f.type, seen));
}

type Resolver = GraphQLFieldResolver<unknown, unknown, Record<string, unknown>>;

/** Wraps the resolver (and subscriber) of every field with checkable arguments in the guard. */
export function guardArguments(schema: GraphQLSchema): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const args = field.args;
      if (!args.length || !args.some((a) => checkable(a.type))) continue;
      const guard = (inner: Resolver): Resolver =>
        (root, values, context, info) => {
          const errors = argumentProblems(args, values);
          if (errors.length) throw new BadUserInputError(errors);
          return inner(root, values, context, info);
        };
      if (field.resolve) field.resolve = guard(field.resolve as Resolver);
      if (field.subscribe) field.subscribe = guard(field.subscribe as Resolver);
    }
  }
}
