import { Ctx as Context, FieldResolver, Resolver, Root } from 'type-graphql';
import { detailsReadable } from '../common/history';
import { byId } from '../common/loaders';
import { StatusChange } from '../common/status-change.entity';
import type { Ctx } from '../context';
import { renderStored } from '../i18n/messages';
import { User } from './user.entity';

/** A history entry's author and note; here because the author is a User (common/ knows no domain). */
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
