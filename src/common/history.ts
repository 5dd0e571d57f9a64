import type { Ctx } from '../context';
import { groupedBy } from './loaders';
import { StatusChange } from './status-change.entity';

/** Marks an entry whose note and author the viewer may not read (see docs/visibility.md, StatusChange). */
const WITHOUT_DETAILS = Symbol('withoutDetails');
type Marked = StatusChange & { [WITHOUT_DETAILS]?: true };

/**
 * The history of any reviewed object, oldest first, batched across the request. `details`: whether
 * the viewer may read each entry's note and author, as the owning type's visibility function
 * decided; without, the entries are copies that answer null for both.
 */
export async function historyOf(ctx: Ctx, objectId: string, details = true): Promise<StatusChange[]> {
  const entries = await groupedBy(ctx, StatusChange, 'objectId', { at: 'ASC', seq: 'ASC' }).load(objectId);
  if (details) return entries;
  return entries.map((e) => Object.assign(Object.create(StatusChange.prototype) as Marked, e, { [WITHOUT_DETAILS]: true as const }));
}

/** False for an entry `historyOf` marked as without details (StatusChange.by and .note answer null). */
export const detailsReadable = (change: StatusChange) => !(change as Marked)[WITHOUT_DETAILS];
