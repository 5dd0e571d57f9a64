import type { GatewayInterface } from '@apollo/server-gateway-interface';
import { getVariableValues, GraphQLError, printSchema, type DocumentNode, type ExecutionResult, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { compileVariableParsing, failToParseVariables, type CoercedVariableValues } from 'graphql-jit/dist/variables';
import { answerBeforeExecution } from '../common/kept-answer';
import { checkingSerializers } from '../common/leaf-values';
import { MAX_VARIABLE_ERRORS } from './limits';

/*
 * Operations run as compiled JavaScript (graphql-jit) instead of graphql-js's interpreter, which
 * spends most of a large read's execution time on per-field bookkeeping (argument maps, resolve
 * infos, promise checks) that a compiled query does once. Apollo Server accepts a custom executor
 * only through its gateway hook, so this is a "gateway" over our own schema: parsing, validation,
 * plugins, limits and error formatting stay Apollo's. Subscriptions (graphql-ws) keep graphql-js.
 *
 * String, Int, Float, Boolean, ID and enum values are written as they come, without a serializer
 * call per leaf: the schema gives them in serialized form (common/leaf-values.ts). With
 * `checkLeafValues` (tests) every one is serialized again and a field fails where that would
 * have changed its value.
 */

/**
 * Compiled operations per parsed document (Apollo keeps one per query text) and operation name,
 * with their variables' coercion compiled too.
 */
type Compiled = { query: CompiledQuery; variables: (values: Record<string, unknown>) => CoercedVariableValues } | ExecutionResult;

export function compiledExecution(schema: GraphQLSchema, { checkLeafValues = false } = {}): GatewayInterface {
  const leaves = checkLeafValues ? { customSerializers: checkingSerializers(schema) } : { disableLeafSerialization: true };
  const compiled = new WeakMap<DocumentNode, Map<string, Compiled>>();
  const compile = (document: DocumentNode, operation: OperationDefinitionNode, operationName: string | undefined): Compiled => {
    let byName = compiled.get(document);
    if (!byName) compiled.set(document, (byName = new Map()));
    const key = operationName ?? '';
    let query = byName.get(key);
    if (!query) {
      const built = compileQuery(schema, document, operationName, { disablingCapturingStackErrors: true, ...leaves });
      query = isCompiledQuery(built) ? { query: built, variables: compileVariableParsing(schema, operation.variableDefinitions ?? []) } : built;
      byName.set(key, query);
    }
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
          const compiled = compile(document, operation, operationName ?? undefined);
          if (!('query' in compiled)) return compiled;
          const variables = request.variables ?? {};
          // The compiled coercion first (graphql-js's interpreter costs several times as much, and
          // execution coerces with the compiled one anyway); when it refuses, graphql-js's own
          // says why: its errors name the variable the way Apollo (and our error formatting)
          // recognise as BAD_USER_INPUT.
          const parsed = compiled.variables(variables);
          if (failToParseVariables(parsed)) {
            const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables, { maxErrors: MAX_VARIABLE_ERRORS });
            // Every coercion error is the request's (graphql-js's "Too many errors processing variables"
            // after MAX_VARIABLE_ERRORS included, which Apollo would not recognise as one).
            const errors = coerced.errors ?? parsed.errors;
            return { errors: errors.map((e) => (e.extensions?.code ? e : new GraphQLError(e.message, { nodes: e.nodes, extensions: { ...e.extensions, code: 'BAD_USER_INPUT' } }))) };
          }
          // The same question last answered from a kept object, which this request may have too: its kept response, unexecuted.
          const kept = operation.operation === 'query' ? await answerBeforeExecution(operation, parsed.coerced, context) : null;
          if (kept) return kept;
          const result = await compiled.query.query(undefined, context, variables);
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
