import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ParseOptions,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Config } from '../config';
import { fieldError, QueryTooComplexError, RateLimitedError } from '../errors';
import { msg } from '../i18n/messages';
import { WORST_BOUNDS, type DataBounds } from '../common/row-bounds';
import { costVariables, operationCost, operationDepth } from './limits';
import type { RateLimitStore } from './rate-limit';

/*
 * The one place that decides what an operation may do, whatever carries it: HTTP (Apollo, through
 * `plugin()` and the rate-limit middleware) and WebSocket (graphql-ws, src/live/websocket.ts) both
 * call the same guard. In order:
 *   1. admit(caller): the rate limit, per signed-in user or else per client address, before the
 *      operation is even parsed;
 *   2. parseOptions: graphql-js stops parsing past GRAPHQL_MAX_TOKENS tokens;
 *   3. check(...), after graphql's own validation and before anything executes: introspection
 *      (GRAPHQL_INTROSPECTION), depth, cost, expensive fields, aliases, directives. The first limit
 *      broken is the one reported. The cost is estimated with bounds read from the data (the most
 *      weekly slots a room has: `bounds`, given by the app), not with what inputs would allow.
 * Message size is the transport's: BODY_LIMIT for HTTP bodies and for WebSocket messages alike.
 */

/**
 * Mutations that hash a password (bcrypt: tens of milliseconds of CPU each). One operation may ask
 * for at most one of them, aliased or not, so a single request cannot multiply the work; repeated
 * requests meet the rate limit (and the failed-login throttle of the accounts domain).
 */
export const EXPENSIVE_FIELDS: ReadonlySet<string> = new Set(['logIn', 'signUp', 'changePassword', 'deleteMyAccount']);

/** Who is asking, as far as the limits care: the signed-in user, else the client address. */
export interface Caller {
  userId: string | null;
  /** The client's IP as seen through TRUST_PROXY. */
  address: string;
}

type GuardConfig = Pick<Config, 'introspection' | 'limits' | 'rateLimit'>;

/** What is known of an operation before its variables: computed once per parsed operation. */
interface Facts {
  /** Introspection or depth: refused before the cost is even estimated. */
  early: GraphQLError | null;
  /** Expensive fields, aliases, directives: reported after the cost. */
  late: GraphQLError | null;
  costVariables: string[];
  /** Cost by the data bounds and the values of costVariables seen so far (a few per operation). */
  costs: Map<string, number>;
}

const COSTS_PER_OPERATION = 32;

export class OperationGuard {
  /**
   * By parsed operation node: Apollo keeps one parsed document per query text, so repeated HTTP
   * queries find their facts here; each WebSocket subscribe parses anew (and is rate limited).
   */
  private readonly known = new WeakMap<OperationDefinitionNode, Facts>();

  constructor(
    private readonly config: GuardConfig,
    /** Bounds from the data for the cost estimate (cached by their provider); the inputs' worst without. */
    private readonly bounds: () => Promise<DataBounds> = async () => WORST_BOUNDS,
    /** The budgets shared by every process (ops/rate-limit.ts); none when the limiter is off. */
    private readonly limiter: Pick<RateLimitStore, 'take'> | null = null,
  ) {}

  /** For graphql-js `parse` (Apollo's `parseOptions` and the WebSocket path): the token limit. */
  get parseOptions(): ParseOptions {
    return { maxTokens: this.config.limits.maxTokens };
  }

  /**
   * Spends one operation from the caller's budget: its user's when signed in, else its address's.
   * RATE_LIMITED with `retryAfterSeconds` when the budget of this window is spent. One round trip
   * to the shared store (none when this caller's limit is off).
   */
  async admit(caller: Caller): Promise<RateLimitedError | null> {
    const { perUser, perIp } = this.config.rateLimit;
    const [key, limit] = caller.userId ? [`user:${caller.userId}`, perUser] : [`ip:${caller.address}`, perIp];
    if (limit <= 0 || !this.limiter) return null;
    const taken = await this.limiter.take(key, limit);
    return taken.ok ? null : new RateLimitedError(taken.retryAfterSeconds);
  }

  /**
   * Why this operation may not run, or null. Call after graphql's validation of the document and
   * before execution; `variables` are the raw ones of the request (the cost depends on some).
   */
  async check(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Readonly<Record<string, unknown>> | null | undefined,
  ): Promise<GraphQLError | null> {
    let facts = this.known.get(operation);
    if (!facts) {
      facts = this.facts(schema, document, operation);
      this.known.set(operation, facts);
    }
    if (facts.early) return facts.early;
    const { maxCost } = this.config.limits;
    const bounds = await this.bounds();
    const key = JSON.stringify([bounds, ...facts.costVariables.map((name) => variables?.[name] ?? null)]);
    let cost = facts.costs.get(key);
    if (cost === undefined) {
      try {
        cost = operationCost(schema, document, operation, { ...variables }, bounds);
      } catch (error) {
        // The estimator visits at most maxQueryNodes selections; past that the query is refused outright.
        return new QueryTooComplexError(msg('ops.queryTooLarge', { reason: (error as Error).message }), { maxCost });
      }
      // Undefined when the variables do not coerce (execution reports that): nothing to remember then.
      if (cost !== undefined && facts.costs.size < COSTS_PER_OPERATION) facts.costs.set(key, cost);
    }
    if (cost !== undefined && cost > maxCost) {
      return new QueryTooComplexError(msg('ops.queryCost', { cost, maxCost }), { cost, maxCost });
    }
    return facts.late;
  }

  /** Apollo's side of check(): refuses with HTTP 400 after validation, before execution (no SQL runs). */
  plugin(): ApolloServerPlugin {
    return {
      requestDidStart: async () => ({
        didResolveOperation: async ({ document, operation, request, schema, response }) => {
          if (!operation) return;
          const refusal = await this.check(schema, document, operation, request.variables);
          if (refusal) {
            response.http.status = 400;
            throw refusal;
          }
        },
      }),
    };
  }

  private facts(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): Facts {
    const { introspection, limits } = this.config;
    let early: GraphQLError | null = null;
    if (!introspection) {
      const [refused] = validate(schema, document, [NoSchemaIntrospectionCustomRule]);
      // As Apollo reports its own introspection refusal over HTTP.
      if (refused) early = new GraphQLError(refused.message, { nodes: refused.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    }
    const depth = operationDepth(document, operation);
    if (!early && depth > limits.maxDepth) {
      early = new QueryTooComplexError(msg('ops.queryDepth', { depth, maxDepth: limits.maxDepth }), { depth, maxDepth: limits.maxDepth });
    }
    const late =
      expensiveRefusal(document, operation) ??
      armorRefusal(schema, document, maxAliasesRule, limits.maxAliases, 'aliases', 'maxAliases') ??
      armorRefusal(schema, document, maxDirectivesRule, limits.maxDirectives, 'directives', 'maxDirectives');
    return { early, late, costVariables: costVariables(schema, document), costs: new Map() };
  }
}

/**
 * Runs one GraphQL Armor rule as a plain validation rule (its refusal reported, not thrown) and
 * turns its refusal into QUERY_TOO_COMPLEX naming the count and the limit.
 */
function armorRefusal(
  schema: GraphQLSchema,
  document: DocumentNode,
  rule: (options: { n: number; onReject: ((context: ValidationContext | null, error: GraphQLError) => void)[]; propagateOnRejection: false }) => ValidationRule,
  n: number,
  what: string,
  limitName: string,
): QueryTooComplexError | null {
  const onReject = (context: ValidationContext | null, error: GraphQLError) => context?.reportError(error);
  const [refused] = validate(schema, document, [rule({ n, onReject: [onReject], propagateOnRejection: false })]);
  if (!refused) return null;
  const found = Number(/found (\d+)/.exec(refused.message)?.[1]);
  return new QueryTooComplexError(msg('ops.tooMany', { known: found ? 'yes' : 'no', found: found || 0, what, max: n }), { [what]: found || undefined, [limitName]: n });
}

/**
 * More than one expensive field in the operation. Counted by response name at the operation's
 * root, through fragments, as graphql executes them (a field spread twice under one name runs
 * once), and whatever @skip/@include say (a skipped one still counts).
 */
function expensiveRefusal(document: DocumentNode, operation: OperationDefinitionNode): QueryTooComplexError | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const expensive = new Map<string, string>(); // response name -> field name
  const spread = new Set<string>();
  const walk = (set: SelectionSetNode | undefined) => {
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD) {
        if (EXPENSIVE_FIELDS.has(sel.name.value)) expensive.set(sel.alias?.value ?? sel.name.value, sel.name.value);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        walk(sel.selectionSet);
      } else if (!spread.has(sel.name.value)) {
        spread.add(sel.name.value);
        walk(fragments.get(sel.name.value)?.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  if (expensive.size <= 1) return null;
  const asked = [...expensive.entries()];
  return new QueryTooComplexError(
    msg('ops.expensiveFields', { fields: [...EXPENSIVE_FIELDS].join(', '), count: asked.length, asked: asked.map(([, field]) => field).join(', ') }),
    {
      expensiveFields: asked.length,
      maxExpensiveFields: 1,
      fields: asked.slice(1).map(([path, field]) => fieldError(path, msg('ops.expensiveFields.field', { field }))),
    },
  );
}
