import { Ctx as Context, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Ctx } from '../context';
import { renderStored } from '../i18n/messages';
import { User } from '../users/user.entity';
import { byId, groupedBy } from './loaders';
import { StatusChange } from './status-change.entity';

/** The history of any reviewed object, oldest first, batched across the request. */
export function historyOf(ctx: Ctx, objectId: string): Promise<StatusChange[]> {
  return groupedBy(ctx, StatusChange, 'objectId', { at: 'ASC', seq: 'ASC' }).load(objectId);
}

@Resolver(() => StatusChange)
export class StatusChangeResolver {
  @FieldResolver(() => String, { nullable: true, description: "The note of whoever acted, then what the system noted, in the reader's language." })
  note(@Root() change: StatusChange, @Context() ctx: Ctx): string | null {
    const system = change.noteId ? renderStored(ctx.locale, change.noteId, change.noteValues) : null;
    return [change.note, system].filter(Boolean).join('\n') || null;
  }

  @FieldResolver(() => User, { nullable: true })
  by(@Root() change: StatusChange, @Context() ctx: Ctx) {
    return change.byUserId ? byId(ctx, User).load(change.byUserId) : null;
  }
}
