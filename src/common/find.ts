import type { EntityTarget, ObjectLiteral } from 'typeorm';
import type { Ctx } from '../context';
import { NotFoundError } from '../errors';
import { isUuid } from './ids';
import { byId } from './loaders';

/**
 * The row with this id through the request's DataLoader, or NOT_FOUND naming the thing and the
 * argument's path. A malformed id names no row (and never reaches a uuid column as text).
 */
export async function findOr404<E extends ObjectLiteral & { id: string }>(
  ctx: Ctx,
  entity: EntityTarget<E>,
  id: string,
  { thing, path = 'id' }: { thing: string; path?: string },
): Promise<E> {
  const row = isUuid(id) ? await byId(ctx, entity).load(id) : null;
  if (!row) throw new NotFoundError(thing, id, path);
  return row;
}

/** By id, or null for an unknown or malformed id (for `demandItem(id)` and friends). */
export async function findOrNull<E extends ObjectLiteral & { id: string }>(ctx: Ctx, entity: EntityTarget<E>, id: string): Promise<E | null> {
  return isUuid(id) ? byId(ctx, entity).load(id) : null;
}
