import { gzip } from 'node:zlib';
import type { ExecutionResult, FormattedExecutionResult, GraphQLResolveInfo, OperationDefinitionNode } from 'graphql';
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
 *
 * The same operation with the same variables asked again is answered before execution
 * (`answerBeforeExecution`, called by the executor): the resolver left a way to get its object again
 * for another request (`again`: that request's own access checks and version check, nothing
 * shared with the request that kept it); when that gives the very object the kept response was made
 * from, the response is the kept one and the list under the field is not walked again (5,000
 * buckets: 1.2 ms of server CPU and most of a request's garbage, session 14). Anything else (a
 * refusal, a new version, another form) falls through to execution as usual, which answers it.
 *
 * A large kept response is also kept gzip-compressed, once, for clients that accept it (`gzipped`):
 * the by-partner answer across every community at scale 10 is 7.5 MB, 1.35 MB compressed, and its
 * compression (tens of ms of CPU) is paid once per kept response in zlib's threads, not per request.
 */

interface Asked {
  /** The field's name in the response (its alias, if any). */
  responseKey: string;
  /** What its answer was made from, never changed while anything holds it (a weak map's value may point at its key: this keeps nothing alive). */
  source: object;
  /** The operation (Apollo parses a query text once: the same text is the same node) and its variables. */
  operation: object;
  variables: string;
  /** The object again, for a later request with its own context; rejects (or gives another object) when it may not have this one. */
  again: Again;
}

/** What a resolver does to get its kept object for another request: its checks, then the object. */
export type Again = (context: unknown) => Promise<object>;

/** A response made from a kept object: what it answered, and its JSON text and UTF-8 bytes. */
interface Sent extends Asked {
  text: string;
  bytes: Buffer;
  /** The bytes gzip-compressed, once compressed; `compressing` while zlib is at it. */
  gzip?: Buffer;
  compressing?: boolean;
}

/** What a request's root fields registered; null once two have (then nothing is kept for it). */
const askedIn = new WeakMap<RequestScope, Asked | null>();
/** The response last made from each kept object. */
const sentFrom = new WeakMap<object, Sent>();
/** The response a request is about to send, when made from a kept object; `again` when made before. */
const readyIn = new WeakMap<RequestScope, { sent: Sent; again: boolean; unexecuted: boolean }>();
/** What `again` gave a request before execution (its resolver's answer, should execution follow). */
const triedIn = new WeakMap<RequestScope, Promise<object>>();
/** The kept response a request is answered with before execution. */
const pinnedIn = new WeakMap<RequestScope, Sent>();
/**
 * Kept responses by the operation and variables they answered: weak references, so a response goes
 * when its object goes (the summary cache decides), and at most QUESTIONS_PER_OPERATION per operation.
 */
const byQuestion = new WeakMap<object, Map<string, WeakRef<Sent>>>();
const QUESTIONS_PER_OPERATION = 32;

/**
 * For a resolver whose answer is an object the process keeps and never changes: `get` is how any
 * request gets it (that request's access checks, then the object; it must not hold on to the
 * request it was made in). Registers the object, so that the response may be sent again as bytes
 * kept from the last time, and `get` with it for later requests asking the same question. Gives the
 * object; when the request already asked `get` before execution, that answer (or refusal) once more.
 */
export async function answerFromKept<T extends object, C>(info: GraphQLResolveInfo, context: C, get: (context: C) => Promise<T>): Promise<T> {
  const scope = requestScope.getStore();
  // Only a root field: below one, the answer would also depend on its parents.
  const root = !!scope && !info.path.prev;
  const early = root ? triedIn.get(scope) : undefined;
  if (early) triedIn.delete(scope!);
  const kept = early ? ((await early) as T) : await get(context);
  if (root) {
    askedIn.set(scope, askedIn.has(scope) ? null : { responseKey: String(info.path.key), source: kept, operation: info.operation, variables: JSON.stringify(info.variableValues), again: get as Again });
  }
  return kept;
}

/**
 * The executor's question before it runs an operation (its variables coerced): the result to give
 * when the same operation with the same variables was last answered from a kept object and this
 * request's own `again` gives that same object, else null (execute as usual). The result stands for
 * the kept response (`stringifyResult` sends its text); serialised in any other way, it gives the same JSON.
 */
export async function answerBeforeExecution(operation: OperationDefinitionNode, variables: Record<string, unknown>, context: unknown): Promise<ExecutionResult | null> {
  const scope = requestScope.getStore();
  const questions = scope && byQuestion.get(operation);
  if (!questions) return null;
  const key = JSON.stringify(variables);
  const sent = questions.get(key)?.deref();
  if (!sent) return null;
  // Asked once per request: when execution follows, the resolver is given this answer (or refusal).
  const tried = (async () => sent.again(context))();
  triedIn.set(scope, tried);
  let source: object;
  try {
    source = await tried;
  } catch {
    // A refusal (or a failure) is execution's to answer, with its path and code.
    return null;
  }
  // The very object, and this form still the one kept for it (one per object, as when executed).
  if (source !== sent.source || sentFrom.get(source) !== sent) return null;
  triedIn.delete(scope);
  pinnedIn.set(scope, sent);
  const field = { toJSON: () => (JSON.parse(sent.text) as { data: Record<string, unknown> }).data[sent.responseKey] };
  return { data: { [sent.responseKey]: field } };
}

/** Apollo's `stringifyResult`: its own JSON (a line of it), or the text kept for a response made from a kept object. */
export function stringifyResult(result: FormattedExecutionResult): string {
  const scope = requestScope.getStore();
  const pinned = scope && pinnedIn.get(scope);
  if (pinned && !result.errors && !result.extensions && hasOnlyKey(result.data, pinned.responseKey)) {
    readyIn.set(scope, { sent: pinned, again: true, unexecuted: true });
    return pinned.text;
  }
  const asked = scope && askedIn.get(scope);
  if (!scope || !asked || result.errors || result.extensions || !hasOnlyKey(result.data, asked.responseKey)) return JSON.stringify(result) + '\n';
  const last = sentFrom.get(asked.source);
  const again = !!last && last.operation === asked.operation && last.variables === asked.variables;
  const sent = again ? last : made(asked, JSON.stringify(result) + '\n');
  readyIn.set(scope, { sent, again, unexecuted: false });
  return sent.text;
}

/**
 * The UTF-8 bytes of `text` when it is the response made from a kept object for this request (else
 * null: encode it as usual); `again` when they were kept from an earlier request, `unexecuted` when
 * the request was answered before execution.
 */
export function keptBytes(text: string): { bytes: Buffer; again: boolean; unexecuted: boolean; gzipped: () => Buffer | null } | null {
  const scope = requestScope.getStore();
  const ready = scope && readyIn.get(scope);
  if (!ready || ready.sent.text !== text) return null;
  const { sent } = ready;
  return { bytes: sent.bytes, again: ready.again, unexecuted: ready.unexecuted, gzipped: () => gzipped(sent) };
}

/**
 * The gzip form of a kept response, or null while there is none yet: the first ask starts its
 * compression in zlib's threads, and the response goes uncompressed meanwhile. Made once per kept
 * response, and dropped with it.
 */
function gzipped(sent: Sent): Buffer | null {
  if (sent.gzip) return sent.gzip;
  if (!sent.compressing) {
    sent.compressing = true;
    gzip(sent.bytes, (error, compressed) => {
      // A failure leaves it uncompressed (never compressed again: the same bytes would fail again).
      if (!error) sent.gzip = compressed;
    });
  }
  return null;
}

/** A response made from `asked.source`, kept as its last. */
function made(asked: Asked, text: string): Sent {
  const { operation, variables, source } = asked;
  const sent: Sent = { ...asked, text, bytes: Buffer.from(text, 'utf8') };
  sentFrom.set(source, sent);
  let questions = byQuestion.get(operation);
  if (!questions) byQuestion.set(operation, (questions = new Map()));
  questions.delete(variables);
  questions.set(variables, new WeakRef(sent));
  // The oldest question of this operation goes first.
  if (questions.size > QUESTIONS_PER_OPERATION) questions.delete(questions.keys().next().value!);
  return sent;
}

function hasOnlyKey(data: FormattedExecutionResult['data'], key: string): boolean {
  if (!data) return false;
  let count = 0;
  for (const k in data) if (++count > 1 || k !== key) return false;
  return count === 1;
}
