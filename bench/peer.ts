import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT, startChild, type ChildServer } from './server';

/**
 * The benchmark's own tools live in bench/peer (their own package.json and lock, their own
 * node_modules): autocannon for the load, PostGraphile as the reference server. PostGraphile 5
 * needs Node 22 (grafast calls Promise.withResolvers), so the peer is PostGraphile 4.14 with the
 * simplify-inflector plugin, which names relations the way a hand-written schema would.
 */
export const PEER_DIR = path.join(ROOT, 'bench', 'peer');

/** Installs bench/peer from its lock when its node_modules is missing. */
export function ensurePeerInstalled(log: (msg: string) => void): void {
  if (fs.existsSync(path.join(PEER_DIR, 'node_modules', 'autocannon')) && fs.existsSync(path.join(PEER_DIR, 'node_modules', 'postgraphile'))) return;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  log('installing the bench tools (bench/peer) ...');
  try {
    execFileSync(npm, ['ci', '--prefix', PEER_DIR, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  } catch {
    // The registry may lack other platforms' optional builds that the lock names: install the locked versions.
    log('npm ci refused the lock; installing with npm install');
    execFileSync(npm, ['install', '--prefix', PEER_DIR, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  }
}

/** Loads a module installed in bench/peer. */
export function peerRequire<T>(id: string): T {
  return createRequire(path.join(PEER_DIR, 'package.json'))(id) as T;
}

export function peerVersion(pkg: string): string {
  return (peerRequire<{ version: string }>(`${pkg}/package.json`)).version;
}

/** PostGraphile serving the public schema of `databaseUrl`, as a production server would run it. */
export function startPostGraphile(port: number, databaseUrl: string, poolSize: number): Promise<ChildServer> {
  return startChild({
    name: 'postgraphile',
    port,
    cwd: PEER_DIR,
    command: [
      process.execPath,
      path.join(PEER_DIR, 'node_modules', 'postgraphile', 'cli.js'),
      '--connection', databaseUrl,
      '--schema', 'public',
      '--port', String(port),
      '--host', '127.0.0.1',
      '--append-plugins', '@graphile-contrib/pg-simplify-inflector',
      '--max-pool-size', String(poolSize),
      '--disable-query-log',
      '--disable-graphiql',
    ],
    env: { PATH: process.env.PATH, NODE_ENV: 'production' },
    readyPath: '/graphql',
    readyMethod: 'POST',
    readyBody: JSON.stringify({ query: '{ __typename }' }),
  });
}

/**
 * The nested read in PostGraphile's naming: the same 20 demand items of one community (oldest
 * first), each with its community and its matches (oldest first), and each match's partner and
 * offer. remainingQuantity is not a column (the client computes quantity - matchedQuantity); the backward
 * relation keeps its long name (the inflector shortens only `<table>_id` keys; this one is the
 * composite (community_id, demand_id), see migrations/1763900600000-CitusReady.ts).
 */
export const POSTGRAPHILE_NESTED_QUERY = /* GraphQL */ `
  query NestedDemand($communityId: UUID!) {
    demandItems(condition: { communityId: $communityId }, first: 20, orderBy: [CREATED_AT_ASC, ID_ASC]) {
      nodes {
        id title category quantity unit urgency status matchedQuantity createdAt
        community { id name district }
        demandMatchesByCommunityIdAndDemandId(orderBy: [CREATED_AT_ASC, ID_ASC]) {
          nodes {
            id quantity origin status createdAt
            partner { id name category }
            offer { id title quantity heldQuantity status }
          }
        }
      }
    }
  }`;
