import { Ctx as Context, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Ctx } from '../context';
import { renderStored } from '../i18n/messages';
import { User } from '../users/user.entity';
import { byId, groupedBy } from './loaders';
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

const detailsReadable = (change: StatusChange) => !(change as Marked)[WITHOUT_DETAILS];

@Resolver(() => StatusChange)
export class StatusChangeResolver {
  @FieldResolver(() => User, { nullable: true, description: "Who made the change: for those who take part in the object only (docs/visibility.md)." })
  by(@Root() change: StatusChange, @Context() ctx: Ctx) {
    return change.byUserId && detailsReadable(change) ? byId(ctx, User).load(change.byUserId) : null;
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: "The note or reason given, then what the system noted, in the reader's language: for those who take part in the object only (docs/visibility.md).",
  })
  note(@Root() change: StatusChange, @Context() ctx: Ctx): string | null {
    if (!detailsReadable(change)) return null;
    const system = change.noteId ? renderStored(ctx.locale, change.noteId, change.noteValues) : null;
    return [change.note, system].filter(Boolean).join('\n') || null;
  }
}
