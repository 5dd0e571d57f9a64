import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import type { DataSource } from 'typeorm';
import { IDE_CLIENT_JS } from './ide.client';
import { ideTabs } from './ide.examples';
import { htmlHead } from '../common/html';

/**
 * GraphiQL served by this server from npm packages (GraphiQL's, React's and graphql-ws's
 * browser builds), so the IDE works on a closed network: the page and its policy name no other
 * host. Mounted only when GRAPHQL_LANDING_PAGE is on (off in production unless enabled).
 */

export const IDE_ASSETS = '/ide/assets/';

/** The folder of an installed package (their browser builds are not in their `exports`). */
function packageDir(name: string): string {
  const entry = require.resolve(name);
  const marker = `${path.sep}node_modules${path.sep}${name}${path.sep}`;
  return entry.slice(0, entry.lastIndexOf(marker) + marker.length);
}

const FILES: Record<string, () => string> = {
  'react.production.min.js': () => path.join(packageDir('react'), 'umd', 'react.production.min.js'),
  'react-dom.production.min.js': () => path.join(packageDir('react-dom'), 'umd', 'react-dom.production.min.js'),
  'graphql-ws.min.js': () => path.join(packageDir('graphql-ws'), 'umd', 'graphql-ws.min.js'),
  'graphiql.min.js': () => path.join(packageDir('graphiql'), 'graphiql.min.js'),
  'graphiql.min.css': () => path.join(packageDir('graphiql'), 'graphiql.min.css'),
};
const SCRIPTS = ['react.production.min.js', 'react-dom.production.min.js', 'graphql-ws.min.js', 'graphiql.min.js', 'ide.js'];

/** Own origin only; GraphiQL and its editor set inline styles; subscriptions over the same host's WebSocket. */
function idePolicy(req: Request): string {
  const host = req.get('host') ?? '';
  const ws = /^[\w.:[\]-]+$/.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src 'self'${ws}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** JSON inside a <script type="application/json"> block: nothing in it can close the block. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export function ideHtml(config: { title: string; path: string; tabs: unknown[] }): string {
  return `${htmlHead(config.title)}
<link rel="stylesheet" href="${IDE_ASSETS}graphiql.min.css">
<style>
  html, body { height: 100%; margin: 0; }
  #ide { height: 100vh; }
  .ide-loading { font-family: sans-serif; padding: 2em; color: #555; }
</style>
</head>
<body>
<div id="ide"><p class="ide-loading">正在加载 GraphQL 调试台……<noscript>（需要启用 JavaScript）</noscript></p></div>
<script type="application/json" id="ide-config">${scriptJson(config)}</script>
${SCRIPTS.map((s) => `<script src="${IDE_ASSETS}${s}"></script>`).join('\n')}
</body>
</html>
`;
}

const TITLE = '社区合伙资源平台 · GraphQL 调试台';

/** GET /graphql from a browser (Accept: text/html) and GET /ide/assets/*. */
export function ideRouter(deps: { db: DataSource; path: string }): Router {
  const router = Router();
  router.get(deps.path, async (req: Request, res: Response, next) => {
    // GraphQL GET requests (with a query) and non-browser clients go on to the GraphQL server.
    if (!req.accepts('text/html') || req.accepts(['application/json', 'text/html']) === 'application/json' || req.query.query !== undefined) return next();
    try {
      const html = ideHtml({ title: TITLE, path: deps.path, tabs: await ideTabs(deps.db) });
      res.status(200);
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.setHeader('cache-control', 'no-store');
      res.setHeader('content-security-policy', idePolicy(req));
      res.send(html);
    } catch (error) {
      next(error);
    }
  });
  router.get(`${IDE_ASSETS}:file`, (req: Request, res: Response) => {
    const file = String(req.params.file);
    res.setHeader('cache-control', 'public, max-age=3600');
    if (file === 'ide.js') {
      res.type('application/javascript; charset=utf-8').send(IDE_CLIENT_JS);
      return;
    }
    const locate = Object.hasOwn(FILES, file) ? FILES[file] : undefined;
    if (!locate) {
      res.status(404).type('text/plain; charset=utf-8').send('没有这个文件');
      return;
    }
    res.sendFile(locate(), { headers: { 'content-type': file.endsWith('.css') ? 'text/css; charset=utf-8' : 'application/javascript; charset=utf-8' } });
  });
  return router;
}
