import type { Ctx } from '../context';
import { byId } from '../common/loaders';
import { Community } from './community.entity';

export const DEFAULT_TIMEZONE = 'Asia/Shanghai';

/**
 * Each community's time zone by id, for the whole process: a community's zone is set when it is
 * created and never changes, so its objects' instants are written locally (common/local-time.ts)
 * without a statement, except the first time a process meets a community someone else created.
 */
const zones = new Map<string, string>();
const MAX_ZONES = 100_000;

export function rememberZone(community: Pick<Community, 'id' | 'timezone'>): void {
  if (!community.timezone || zones.has(community.id)) return;
  if (zones.size >= MAX_ZONES) zones.clear();
  zones.set(community.id, community.timezone);
}

/** Whether this process has met the community (communities are never deleted, so it still exists). */
export const isKnownCommunity = (id: string): boolean => zones.has(id);

/** The community's time zone: at once when known, else read with the request's other communities (null: no such community). */
export function communityZone(ctx: Ctx, id: string): string | Promise<string | null> {
  return zones.get(id) ?? byId(ctx, Community).load(id).then((c) => (c ? (rememberZone(c), c.timezone) : null));
}

/**
 * The zone an object's instants are written in (contract v2): a Community's own, the community's of
 * an object with a `communityId`, UTC (null) for everything else.
 */
export function zoneOfObject(typeName: string, root: Record<string, unknown>, ctx: unknown): string | null | Promise<string | null> {
  if (typeName === 'Community') {
    if (typeof root.timezone === 'string') {
      rememberZone(root as unknown as Community);
      return root.timezone;
    }
    return typeof root.id === 'string' ? communityZone(ctx as Ctx, root.id) : null;
  }
  return typeof root.communityId === 'string' ? communityZone(ctx as Ctx, root.communityId) : null;
}
