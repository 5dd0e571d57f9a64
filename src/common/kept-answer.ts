import type { FormattedExecutionResult, GraphQLResolveInfo } from 'graphql';
import { requestScope, type RequestScope } from '../db/query-counter';

/*
 * Answers sent again byte for byte. A root field whose whole answer is an object this process keeps
 * and never changes (a kept service-hours summary: service-hours/summary-cache.ts) gives the same
 * response to the same operation with the same variables, as long as it is the operation's only
 * field and nothing failed. Its JSON text and UTF-8 bytes are then kept beside the object (a weak
 * map: they go when it goes) and sent again instead of serialising and encoding it anew: for an
 * answer of 5,000 buckets (750 KB) that took a request from 17-19 ms of server CPU to 6 ms
 * (docs/bench.md, session 12). Exact, not timed: a new version of the answer is a new object. One operation's
 * form per object is kept (the last one asked), so memory stays about twice the answers kept.
 */

interface Asked {
  /** The field's name in the response (its alias, if any). */
  responseKey: string;
  /** What its answer was made from, never changed while anything holds it. */
  source: object;
  /** The operation (Apollo parses a query text once: the same text is the same node) and its variables. */
  operation: object;
  variables: string;
}

interface Sent {
  operation: object;
  variables: string;
  text: string;
  bytes: Buffer;
}

/** What a request's root fields registered; null once two have (then nothing is kept for it). */
const askedIn = new WeakMap<RequestScope, Asked | null>();
/** The response last made from each kept object. */
const sentFrom = new WeakMap<object, Sent>();
/** The response a request is about to send, when made from a kept object; `again` when made before. */
const readyIn = new WeakMap<RequestScope, { sent: Sent; again: boolean }>();

/**
 * For a resolver whose answer is exactly `kept` (an object the process keeps and never changes):
 * registers it, so that the response may be sent again as bytes kept from the last time. Returns `kept`.
 */
export function answerFromKept<T extends object>(info: GraphQLResolveInfo, kept: T): T {
  const scope = requestScope.getStore();
  // Only a root field: below one, the answer would also depend on its parents.
  if (scope && !info.path.prev) {
    askedIn.set(scope, askedIn.has(scope) ? null : { responseKey: String(info.path.key), source: kept, operation: info.operation, variables: JSON.stringify(info.variableValues) });
  }
  return kept;
}

/** Apollo's `stringifyResult`: its own JSON (a line of it), or the text kept for a response made from a kept object. */
export function stringifyResult(result: FormattedExecutionResult): string {
  const scope = requestScope.getStore();
  const asked = scope && askedIn.get(scope);
  if (!scope || !asked || result.errors || result.extensions || !hasOnlyKey(result.data, asked.responseKey)) return JSON.stringify(result) + '\n';
  const last = sentFrom.get(asked.source);
  const again = !!last && last.operation === asked.operation && last.variables === asked.variables;
  const sent = again ? last : made(asked, JSON.stringify(result) + '\n');
  readyIn.set(scope, { sent, again });
  return sent.text;
}

/**
 * The UTF-8 bytes of `text` when it is the response made from a kept object for this request (else
 * null: encode it as usual); `again` when they were kept from an earlier request.
 */
export function keptBytes(text: string): { bytes: Buffer; again: boolean } | null {
  const scope = requestScope.getStore();
  const ready = scope && readyIn.get(scope);
  return ready && ready.sent.text === text ? { bytes: ready.sent.bytes, again: ready.again } : null;
}

/** A response made from `asked.source`, kept as its last. */
function made(asked: Asked, text: string): Sent {
  const sent = { operation: asked.operation, variables: asked.variables, text, bytes: Buffer.from(text, 'utf8') };
  sentFrom.set(asked.source, sent);
  return sent;
}

function hasOnlyKey(data: FormattedExecutionResult['data'], key: string): boolean {
  if (!data) return false;
  let count = 0;
  for (const k in data) if (++count > 1 || k !== key) return false;
  return count === 1;
}
