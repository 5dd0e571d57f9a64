import cors from 'cors';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../config';

/**
 * Helmet's headers everywhere, with a CSP that allows nothing (API responses are JSON). Pages set
 * their own policy, naming no other host: the IDE (ide/) and the signed-link pages (links/).
 */
export function securityHeaders(config: Config): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
    },
    // Only meaningful over HTTPS behind a proxy that terminates TLS; harmless otherwise.
    strictTransportSecurity: config.env === 'production',
  });
}

/**
 * CORS from CORS_ORIGINS: any origin (`*`), a list, or none (no CORS headers: browsers on other
 * origins cannot read responses). Tokens travel in the Authorization header, never in cookies,
 * so credentials are not enabled.
 */
export function corsPolicy(config: Config): RequestHandler {
  const origins = config.corsOrigins;
  return cors({
    origin: origins === '*' ? '*' : origins.length ? origins : false,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['content-type', 'authorization', 'apollo-require-preflight', 'x-apollo-operation-name', 'x-request-id', 'idempotency-key'],
    exposedHeaders: ['x-request-id', 'retry-after', 'idempotent-replayed'],
    maxAge: 600,
  });
}
