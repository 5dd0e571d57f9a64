// PostGraphile 5 (Grafast) serving the public schema as the bench's peer, as a production server
// would run it: Amber preset, simplified inflection (relations named like a hand-written schema),
// connection filters (ranges of instants), no GraphiQL, a pool of POOL_SIZE connections.
// Started by bench/peer.ts on Node 24 (grafast needs Node >= 22): node server.mjs
import { createServer } from 'node:http';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { PgSimplifyInflectionPreset } from '@graphile/simplify-inflection';
import { PostGraphileConnectionFilterPreset } from 'postgraphile-plugin-connection-filter';

const port = Number(process.env.PORT);
const preset = {
  extends: [PostGraphileAmberPreset, PgSimplifyInflectionPreset, PostGraphileConnectionFilterPreset],
  // Without it only indexed columns can be ordered and filtered by, and relations without an index
  // leading with their key columns are hidden: demand_match's (community_id, demand_id) key has none,
  // so demandItem.demandMatches would be missing. PostGraphile 4 exposes them all too.
  disablePlugins: ['PgIndexBehaviorsPlugin'],
  pgServices: [
    makePgService({ connectionString: process.env.DATABASE_URL, schemas: ['public'], poolConfig: { max: Number(process.env.POOL_SIZE ?? 20) } }),
  ],
  grafserv: { port, host: '127.0.0.1', graphiql: false, watch: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.on('error', (e) => {
  console.error(e);
  process.exit(1);
});
await serv.addTo(server);
server.listen(port, '127.0.0.1', () => console.log(`PostGraphile 5 listening on http://127.0.0.1:${port}/graphql`));
const stop = () => pgl.release().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
