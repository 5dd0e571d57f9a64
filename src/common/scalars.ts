import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { DateTime as Luxon } from 'luxon';
import { tr } from '../i18n/messages';

/** RFC 3339: date, time and an offset (Z or ±HH:MM), seconds fractions allowed. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * ISO-8601 instant with offset; parsed (any offset) into a JS Date. A Date is written in UTC; a
 * string is an instant already written in its community's offset (common/local-time.ts) and is
 * answered as it is.
 */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description:
    "An instant, ISO-8601 with an offset (RFC 3339). Instants of a community's objects are written with that community's UTC offset then (2026-12-05T09:00:00+08:00); others in UTC (…Z). Input may carry any offset.",
  serialize(value) {
    if (typeof value === 'string' && ISO_INSTANT.test(value)) return value;
    const at = DateTimeResolver.serialize(value) as Date;
    return at.toISOString();
  },
  parseValue: (value) => DateTimeResolver.parseValue(value) as Date,
  parseLiteral: (ast, variables) => DateTimeResolver.parseLiteral(ast, variables) as Date,
});

function stringScalar(name: string, description: string, valid: (s: string) => boolean, expected: 'localTime' | 'localDate', validInput = valid) {
  const check = (value: unknown, ok = valid): string => {
    if (typeof value !== 'string' || !ok(value)) {
      // Written in the request's language (Accept-Language, else Chinese): graphql-js wraps it in its own sentence.
      throw new GraphQLError(tr('scalar.invalid', { name, expected, value: JSON.stringify(value) ?? 'undefined' }), {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return value;
  };
  return new GraphQLScalarType<string, string>({
    name,
    description,
    serialize: (v) => check(v),
    parseValue: (v) => check(v, validInput),
    parseLiteral: (ast: ValueNode) => check(ast.kind === Kind.STRING ? ast.value : undefined, validInput),
  });
}

export const LOCAL_TIME_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;
export const LOCAL_DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export const LocalTimeScalar = stringScalar(
  'LocalTime',
  'HH:MM (24h) in the community time zone.',
  (s) => LOCAL_TIME_PATTERN.test(s),
  'localTime',
);

/** `date` columns as YYYY-MM-DD strings, never JS Dates (which would shift them by the server's zone). */
export const localDateColumn = { from: (v: string | null) => v, to: (v: string | null) => v };

/** A real calendar date written YYYY-MM-DD. */
export const isLocalDate = (s: string) => LOCAL_DATE_PATTERN.test(s) && Luxon.fromISO(s).isValid;

export const LocalDateScalar = stringScalar(
  'LocalDate',
  'YYYY-MM-DD in the community time zone.',
  isLocalDate,
  'localDate',
  // Any text gets as far as the argument guard (common/input-guard.ts), which refuses a bad date
  // naming its field (`input.neededBy`) in the reader's language, whether a literal or a variable.
  () => true,
);
