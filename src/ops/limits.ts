import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType,
  getNullableType,
  getVariableValues,
  isListType,
  Kind,
  visit,
  type ASTNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { QueryTooComplexError } from '../errors';

/** Assumed length of a list field that has no `first` argument. */
export const DEFAULT_LIST_SIZE = 10;

/**
 * Every field costs 1; a field's selections cost as many times as the rows it may return: its
 * `first` argument (or that argument's default) when it has one, else DEFAULT_LIST_SIZE for a list.
 * A connection's `edges` are counted once, since the connection's `first` already scaled them.
 * Introspection is free here: it is switched on or off as a whole.
 */
export const costEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  if (field.name.startsWith('__')) return 0;
  const firstArg = field.args.find((a) => a.name === 'first');
  let rows = 1;
  if (firstArg) {
    const first = typeof args.first === 'number' ? args.first : firstArg.defaultValue;
    rows = typeof first === 'number' ? Math.max(0, first) : DEFAULT_LIST_SIZE;
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

/** The estimated cost of the operation with these variables; undefined when the variables are invalid (execution reports that). */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): number | undefined {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  if (coerced.errors) return undefined;
  return getComplexity({
    schema,
    query: document,
    variables: variables ?? {},
    operationName: operation.name?.value,
    estimators: [costEstimator],
  });
}

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
}

/**
 * Names of the variables that can change an operation's cost: those given to a `first` argument
 * or to a directive (@skip/@include). Every other variable (ids, filters) cannot.
 */
function costVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  const collect = (node: ASTNode) =>
    visit(node, {
      Variable(v) {
        names.add(v.name.value);
      },
    });
  visit(document, {
    Argument(arg) {
      if (arg.name.value === 'first') collect(arg.value);
    },
    Directive(directive) {
      collect(directive);
    },
    VariableDefinition() {
      return false;
    },
  });
  return [...names].sort();
}

/**
 * What is known of an operation, by its parsed node (Apollo keeps one parsed document per query
 * text, so repeated queries find it here): its depth, its cost variables, and its cost for the
 * values of those variables seen so far (a few per operation).
 */
const known = new WeakMap<OperationDefinitionNode, { depth: number; costVariables: string[]; costs: Map<string, number> }>();
const COSTS_PER_OPERATION = 32;

/**
 * Why an operation is refused as too deep or too costly, or null when it is within the limits.
 * Shared by the HTTP path (the plugin below) and the WebSocket path (src/live/websocket.ts).
 */
export function limitRefusal(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  limits: QueryLimits,
): QueryTooComplexError | null {
  let facts = known.get(operation);
  if (!facts) {
    facts = { depth: operationDepth(document, operation), costVariables: costVariables(document), costs: new Map() };
    known.set(operation, facts);
  }
  const { depth } = facts;
  if (depth > limits.maxDepth) {
    return new QueryTooComplexError(`Query depth ${depth} exceeds the limit of ${limits.maxDepth}`, { depth, maxDepth: limits.maxDepth });
  }
  const key = JSON.stringify(facts.costVariables.map((name) => variables?.[name] ?? null));
  let cost = facts.costs.get(key);
  if (cost === undefined) {
    try {
      cost = operationCost(schema, document, operation, variables);
    } catch (error) {
      // The estimator visits at most maxQueryNodes selections; past that the query is refused outright.
      return new QueryTooComplexError(`Query too large to estimate: ${(error as Error).message}`, { maxCost: limits.maxCost });
    }
    // Undefined when the variables do not coerce (execution reports that): nothing to remember then.
    if (cost !== undefined && facts.costs.size < COSTS_PER_OPERATION) facts.costs.set(key, cost);
  }
  if (cost !== undefined && cost > limits.maxCost) {
    return new QueryTooComplexError(`Query cost ${cost} exceeds the limit of ${limits.maxCost}`, { cost, maxCost: limits.maxCost });
  }
  return null;
}

/**
 * Refuses operations deeper or costlier than the limits after they are parsed and validated and
 * before anything executes (so no SQL runs), with QUERY_TOO_COMPLEX and HTTP 400.
 * Done per request, not as a validation rule, because the cost depends on the variables.
 */
export function queryLimitsPlugin(limits: QueryLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, schema, response }) {
          if (!operation) return;
          const refusal = limitRefusal(schema, document, operation, request.variables, limits);
          if (refusal) {
            response.http.status = 400;
            throw refusal;
          }
        },
      };
    },
  };
}
