import type { GatewayInterface } from '@apollo/server-gateway-interface';
import { getVariableValues, GraphQLError, printSchema, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { answerBeforeExecution } from '../common/kept-answer';
import { MAX_VARIABLE_ERRORS } from './limits';

/*
 * Operations run as compiled JavaScript (graphql-jit) instead of graphql-js's interpreter, which
 * spends most of a large read's execution time on per-field bookkeeping (argument maps, resolve
 * infos, promise checks) that a compiled query does once. Apollo Server accepts a custom executor
 * only through its gateway hook, so this is a "gateway" over our own schema: parsing, validation,
 * plugins, limits and error formatting stay Apollo's. Subscriptions (graphql-ws) keep graphql-js.
 */

/** Compiled operations per parsed document (Apollo keeps one per query text) and operation name. */
type Compiled = CompiledQuery | ExecutionResult;

export function compiledExecution(schema: GraphQLSchema): GatewayInterface {
  const compiled = new WeakMap<DocumentNode, Map<string, Compiled>>();
  const compile = (document: DocumentNode, operationName: string | undefined): Compiled => {
    let byName = compiled.get(document);
    if (!byName) compiled.set(document, (byName = new Map()));
    const key = operationName ?? '';
    let query = byName.get(key);
    if (!query) byName.set(key, (query = compileQuery(schema, document, operationName, { disablingCapturingStackErrors: true })));
    return query;
  };
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => {};
    },
    async load() {
      return {
        executor: async ({ document, operation, operationName, request, context }) => {
          const query = compile(document, operationName ?? undefined);
          if (!isCompiledQuery(query)) return query;
          // graphql-js's own coercion first: its errors name the variable the way Apollo (and our
          // error formatting) recognise as BAD_USER_INPUT.
          const variables = request.variables ?? {};
          const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables, { maxErrors: MAX_VARIABLE_ERRORS });
          // Every coercion error is the request's (graphql-js's "Too many errors processing variables"
          // after MAX_VARIABLE_ERRORS included, which Apollo would not recognise as one).
          if (coerced.errors) return { errors: coerced.errors.map((e) => (e.extensions.code ? e : new GraphQLError(e.message, { nodes: e.nodes, extensions: { ...e.extensions, code: 'BAD_USER_INPUT' } }))) };
          // The same question last answered from a kept object, which this request may have too: its kept response, unexecuted.
          const kept = operation.operation === 'query' ? await answerBeforeExecution(operation, coerced.coerced, context) : null;
          if (kept) return kept;
          const result = await query.query(undefined, context, variables);
          return result.errors ? { ...result, errors: result.errors.map(asGraphQLError) } : result;
        },
      };
    },
    async stop() {},
  };
}

/** graphql-jit's errors are not quite graphql-js ones (no `extensions` object): Apollo's error formatting needs the real class. */
function asGraphQLError(error: GraphQLError): GraphQLError {
  const converted = new GraphQLError(error.message, { path: error.path, originalError: error.originalError ?? undefined, extensions: error.extensions });
  (converted as { locations?: GraphQLError['locations'] }).locations = error.locations;
  return converted;
}
