import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLRequest } from '@apollo/server';
import type { Request, RequestHandler, Response } from 'express';
import { keptBytes } from '../common/kept-answer';

/*
 * Apollo Server on Express: what @as-integrations/express5 (1.1.2) does, less its
 * `url.parse(req.url)` per request, which Node.js 24 answers with a stack walk each time (the
 * check whether to print the url.parse deprecation warning). The query string is the part of the
 * URL after its first '?', as url.parse reads it.
 *
 * A response made from a kept answer goes as the bytes kept with it, and gzip-compressed (kept too)
 * when it is at least `gzipFromBytes` long and the request accepts gzip. The every-community
 * by-partner summary at scale 10, 7.5 MB, arrived in 7.4-7.8 ms p50 on this VM's loopback, and in a
 * full bench run 51 ms p95 (the loopback reorders and retransmits segments); as 1.35 MB of gzip in
 * 4.3-4.6 ms p50, 5.7-6.5 p95 (docs/bench.md, session 23). Not with an Idempotency-Key, whose
 * keeper stores the body without its encoding.
 */
export function apolloMiddleware<C extends BaseContext>(
  server: ApolloServer<C>,
  context: (arg: { req: Request; res: Response }) => Promise<C>,
  options: {
    /** Told each time a response goes as bytes kept from an earlier request (metrics), and whether it was answered before execution. */
    sentAgain?: (unexecuted: boolean) => void;
    /** Kept responses this long or longer go gzip-compressed to clients that accept it; 0: never. */
    gzipFromBytes?: number;
  } = {},
): RequestHandler {
  const { sentAgain = () => {}, gzipFromBytes = 0 } = options;
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
      // res.send where a middleware wraps it (the Idempotency-Key middleware, ops/idempotency.ts,
      // keeps answers so). A response made from a kept answer goes as the bytes kept with it (common/kept-answer.ts).
      const kept = keptBytes(response.body.string);
      if (!kept) {
        const text = response.body.string;
        if (Object.hasOwn(res, 'send') || !res.hasHeader('content-type')) {
          res.send(text);
          return;
        }
        // Express's send would copy a text of 1,000 characters or more into a Buffer to count its
        // bytes (a nested read's 20 KB answer, every request); Node writes the text itself.
        res.setHeader('Content-Length', Buffer.byteLength(text));
        res.end(text);
        return;
      }
      if (kept.again) sentAgain(kept.unexecuted);
      if (gzipFromBytes > 0 && kept.bytes.length >= gzipFromBytes) {
        // The same question may come back in either encoding: caches must tell them apart.
        res.vary('Accept-Encoding');
        const compressed = req.acceptsEncodings('gzip', 'identity') === 'gzip' && req.header('idempotency-key') === undefined ? kept.gzipped() : null;
        if (compressed) {
          res.setHeader('Content-Encoding', 'gzip');
          res.send(compressed);
          return;
        }
      }
      res.send(kept.bytes);
      return;
    }
    for await (const chunk of response.body.asyncIterator) {
      res.write(chunk);
      (res as Response & { flush?: () => void }).flush?.();
    }
    res.end();
  };
}
