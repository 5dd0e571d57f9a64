import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLRequest } from '@apollo/server';
import type { Request, RequestHandler, Response } from 'express';
import { keptBytes } from '../common/kept-answer';

/*
 * Apollo Server on Express: what @as-integrations/express5 (1.1.2) does, less its
 * `url.parse(req.url)` per request, which Node.js 24 answers with a stack walk each time (the
 * check whether to print the url.parse deprecation warning). The query string is the part of the
 * URL after its first '?', as url.parse reads it.
 */
export function apolloMiddleware<C extends BaseContext>(
  server: ApolloServer<C>,
  context: (arg: { req: Request; res: Response }) => Promise<C>,
  /** Told each time a response goes as bytes kept from an earlier request (metrics), and whether it was answered before execution. */
  sentAgain: (unexecuted: boolean) => void = () => {},
): RequestHandler {
  server.assertStarted('apolloMiddleware()');
  return async (req, res) => {
    if (!('body' in req)) {
      res.status(500).send('`req.body` is not set: the json middleware must run before Apollo Server.');
      return;
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const question = req.url.indexOf('?');
    const httpGraphQLRequest: HTTPGraphQLRequest = {
      method: req.method.toUpperCase(),
      headers,
      search: question < 0 ? '' : req.url.slice(question).split('#', 1)[0],
      body: req.body,
    };
    const response = await server.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: () => context({ req, res }) });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      // res.send, not res.end: the Idempotency-Key middleware (ops/idempotency.ts) keeps answers by wrapping it.
      // A response made from a kept answer goes as the bytes kept with it (common/kept-answer.ts).
      const kept = keptBytes(response.body.string);
      if (kept?.again) sentAgain(kept.unexecuted);
      res.send(kept ? kept.bytes : response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) {
      res.write(chunk);
      (res as Response & { flush?: () => void }).flush?.();
    }
    res.end();
  };
}
