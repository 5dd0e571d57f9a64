import {
  getNamedType,
  getNullableType,
  getVariableValues,
  isListType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type ASTNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { BOARD_AGENDA_LIMIT, BOARD_RATINGS_MAX, DECISION_LINKS_MAX, MAX_AVAILABILITY_DAYS, MAX_TERM_DAYS, PANEL_MAX, PARTNER_RATINGS_MAX, ROUND_PARTNERS_MAX, UPCOMING_SESSIONS_LIMIT, type DataBounds } from '../common/row-bounds';

/**
 * Variable coercion stops after this many errors, as graphql-js's own execute does: a list of a
 * thousand bad items would otherwise build a thousand error objects (twice) on the event loop.
 */
export const MAX_VARIABLE_ERRORS = 50;

/** Assumed length of a list field that has no `first` argument and no known bound below. */
export const DEFAULT_LIST_SIZE = 10;

/**
 * The most occurrences a room's weekly slots can have in from..to, read from the arguments and the
 * data (the room itself is not known before execution): each of the most weekly slots any room has
 * (`bounds.roomSlots`) occurs at most once per started week, plus one where a daylight-saving
 * change shortens a week by an hour. The window is capped at `maxDays` like the resolver's; an
 * empty or unreadable window costs like the longest one (the resolver refuses a bad one anyway).
 */
export function occurrenceBound(from: unknown, to: unknown, bounds: DataBounds, { extraDays = 0, maxDays = MAX_AVAILABILITY_DAYS } = {}): number {
  const span = from instanceof Date && to instanceof Date ? (to.getTime() - from.getTime()) / 86_400_000 : NaN;
  const days = Number.isFinite(span) && span > 0 ? Math.min(span, maxDays) : maxDays;
  return (Math.ceil((days + extraDays) / 7) + 1) * bounds.roomSlots;
}

/**
 * Rows of list fields whose resolvers bound them differently from DEFAULT_LIST_SIZE, by
 * `Type.field`: real upper bounds, from the arguments and the data, so a query is costed for the
 * worst it may return now.
 */
export const ROW_BOUNDS: Record<string, (args: Record<string, unknown>, bounds: DataBounds) => number> = {
  'Room.weeklySlots': (_, bounds) => bounds.roomSlots,
  // A contract's slots are some of its room's.
  'SpaceContract.weeklySlots': (_, bounds) => bounds.roomSlots,
  // Every occurrence of the room's weekly slots in the window (at most 92 days).
  'Room.availability': ({ from, to }, bounds) => occurrenceBound(from, to, bounds),
  // CONFIRMED bookings overlapping the window: one per occurrence, plus those that started the day before.
  'Room.bookings': ({ from, to }, bounds) => occurrenceBound(from, to, bounds, { extraDays: 1 }),
  // The taken occurrences of a whole term (at most MAX_TERM_DAYS).
  'ContractCheck.conflicts': (_, bounds) => occurrenceBound(null, null, bounds, { maxDays: MAX_TERM_DAYS }),
  'PublicBoard.upcomingPublicBenefitSessions': () => UPCOMING_SESSIONS_LIMIT,
  // Rating rounds (issue #15): their partners, results and panel, and the published results.
  'RatingRound.partners': () => ROUND_PARTNERS_MAX,
  'RatingRound.results': () => ROUND_PARTNERS_MAX,
  'RatingRound.myBallots': () => ROUND_PARTNERS_MAX,
  'RatingRound.panel': () => PANEL_MAX,
  'PublicBoard.ratings': () => BOARD_RATINGS_MAX,
  'Partner.ratings': () => PARTNER_RATINGS_MAX,
  'PublicBoard.agenda': () => BOARD_AGENDA_LIMIT,
  'AgendaItem.linkedDemands': () => DECISION_LINKS_MAX,
  'AgendaItem.linkedProjects': () => DECISION_LINKS_MAX,
};

/**
 * Every field costs 1; a field's selections cost as many times as the rows it may return: its
 * `first` argument (or that argument's default) when it has one, its bound in ROW_BOUNDS, else
 * DEFAULT_LIST_SIZE for a list. A connection's `edges` are counted once, since the connection's
 * `first` already scaled them. Aliased copies are separate fields to graphql-query-complexity (one
 * per response name), so each costs in full. Introspection is free here: it is switched on or off
 * as a whole.
 */
export const costEstimator = (bounds: DataBounds): ComplexityEstimator => ({ type, field, args, childComplexity }) => {
  if (field.name.startsWith('__')) return 0;
  const firstArg = field.args.find((a) => a.name === 'first');
  const bound = ROW_BOUNDS[`${type.name}.${field.name}`];
  let rows = 1;
  if (firstArg) {
    const first = typeof args.first === 'number' ? args.first : firstArg.defaultValue;
    rows = typeof first === 'number' ? Math.max(0, first) : DEFAULT_LIST_SIZE;
  } else if (bound) {
    rows = bound(args, bounds);
  } else if (isListType(getNullableType(field.type)) && !type.name.endsWith('Connection')) {
    rows = DEFAULT_LIST_SIZE;
  }
  return 1 + rows * childComplexity;
};

/** Nesting depth of an operation's fields (`{ me { id } }` is 2); introspection fields are not counted. */
export function operationDepth(document: DocumentNode, operation: OperationDefinitionNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  // Memoised per fragment, so fragments spreading each other many times are still walked once.
  const fragmentDepth = new Map<string, number>();
  const depthOf = (set: SelectionSetNode | undefined): number => {
    let max = 0;
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD) {
        if (!sel.name.value.startsWith('__')) max = Math.max(max, 1 + depthOf(sel.selectionSet));
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        max = Math.max(max, depthOf(sel.selectionSet));
      } else {
        const name = sel.name.value;
        if (!fragmentDepth.has(name)) {
          fragmentDepth.set(name, 0); // a cycle (refused by validation anyway) ends here
          fragmentDepth.set(name, depthOf(fragments.get(name)?.selectionSet));
        }
        max = Math.max(max, fragmentDepth.get(name)!);
      }
    }
    return max;
  };
  return depthOf(operation.selectionSet);
}

/** The estimated cost of the operation with these variables and data bounds; undefined when the variables are invalid (execution reports that). */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  bounds: DataBounds,
): number | undefined {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {}, { maxErrors: MAX_VARIABLE_ERRORS });
  if (coerced.errors) return undefined;
  return getComplexity({
    schema,
    query: document,
    variables: variables ?? {},
    operationName: operation.name?.value,
    estimators: [costEstimator(bounds)],
  });
}

/**
 * Names of the variables that can change an operation's cost: those given to a `first` argument,
 * to a field with a bound in ROW_BOUNDS (availability's from/to) or to a directive
 * (@skip/@include). Every other variable (ids, filters) cannot.
 */
export function costVariables(schema: GraphQLSchema, document: DocumentNode): string[] {
  const names = new Set<string>();
  const collect = (node: ASTNode) =>
    visit(node, {
      Variable(v) {
        names.add(v.name.value);
      },
    });
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(field) {
        const parent = typeInfo.getParentType();
        if (parent && ROW_BOUNDS[`${parent.name}.${field.name.value}`]) for (const arg of field.arguments ?? []) collect(arg.value);
      },
      Argument(arg) {
        if (arg.name.value === 'first') collect(arg.value);
      },
      Directive(directive) {
        collect(directive);
      },
      VariableDefinition() {
        return false;
      },
    }),
  );
  return [...names].sort();
}
