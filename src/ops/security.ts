import cors from 'cors';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../config';

/** Where Apollo's landing page (embedded Sandbox) loads its scripts, styles and frames from. */
const APOLLO_CDNS = [
  'https://apollo-server-landing-page.cdn.apollographql.com',
  'https://embeddable-sandbox.cdn.apollographql.com',
  'https://embeddable-explorer.cdn.apollographql.com',
];
const APOLLO_FRAMES = ['https://sandbox.embed.apollographql.com', 'https://explorer.embed.apollographql.com'];

/**
 * Helmet's headers everywhere. API responses get a CSP that allows nothing (they are JSON); the
 * landing page (GET /graphql from a browser, only when enabled) gets one that allows Apollo's CDN,
 * alongside the page's own nonce-based CSP.
 */
export function securityHeaders(config: Config): RequestHandler {
  const api = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
    },
    // Only meaningful over HTTPS behind a proxy that terminates TLS; harmless otherwise.
    strictTransportSecurity: config.env === 'production',
  });
  if (!config.landingPage) return api;
  const landing = helmet({
    crossOriginEmbedderPolicy: false,
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'", ...APOLLO_CDNS],
        styleSrc: ["'self'", "'unsafe-inline'", ...APOLLO_CDNS, 'https://fonts.googleapis.com'],
        fontSrc: ["'self'", 'https://fonts.gstatic.com', 'data:'],
        imgSrc: ["'self'", 'data:', ...APOLLO_CDNS],
        manifestSrc: ["'self'", ...APOLLO_CDNS],
        frameSrc: ["'self'", ...APOLLO_FRAMES],
        connectSrc: ["'self'", ...APOLLO_CDNS],
      },
    },
    strictTransportSecurity: config.env === 'production',
  });
  return (req, res, next) => (req.method === 'GET' && req.path === '/graphql' && !!req.header('accept')?.includes('text/html') ? landing : api)(req, res, next);
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
