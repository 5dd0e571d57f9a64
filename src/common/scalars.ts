import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { DateTime as Luxon } from 'luxon';
import { tr } from '../i18n/messages';

/** ISO-8601 instant with offset; parsed into a JS Date. */
export const DateTimeScalar = DateTimeResolver;

function stringScalar(name: string, description: string, valid: (s: string) => boolean, expected: 'localTime' | 'localDate') {
  const check = (value: unknown): string => {
    if (typeof value !== 'string' || !valid(value)) {
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
    parseValue: (v) => check(v),
    parseLiteral: (ast: ValueNode) => check(ast.kind === Kind.STRING ? ast.value : undefined),
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

export const LocalDateScalar = stringScalar(
  'LocalDate',
  'YYYY-MM-DD in the community time zone.',
  (s) => LOCAL_DATE_PATTERN.test(s) && Luxon.fromISO(s).isValid,
  'localDate',
);
