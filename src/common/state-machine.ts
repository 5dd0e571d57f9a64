import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { InvalidStateError } from '../errors';
import { msg, type Msg } from '../i18n/messages';
import { StatusChange } from './status-change.entity';

export interface TransitionMeta {
  by: string | null;
  note?: string | null;
  /** What the system adds to the note, as a catalogue message: shown after `note` in the reader's language. */
  noteMessage?: Msg | null;
  communityId?: string | null;
}

/**
 * A lifecycle declared as one table of allowed transitions. Every status change of its objects
 * goes through `apply`, which checks the table, updates the row only if nobody changed it since it
 * was read, and appends the change to the shared history.
 */
export class StateMachine<S extends string, E extends ObjectLiteral & { id: string; status: S }> {
  constructor(
    readonly objectType: string,
    private readonly entity: EntityTarget<E>,
    private readonly transitions: Readonly<Record<S, readonly S[]>>,
  ) {}

  canTransition(from: S, to: S): boolean {
    return this.transitions[from]?.includes(to) ?? false;
  }

  assertTransition(from: S, to: S): void {
    if (!this.canTransition(from, to)) {
      throw new InvalidStateError(msg('error.invalidTransition', { object: this.thing, from: this.status(from), to: this.status(to) }), { from, to });
    }
  }

  /** Records the state an object was created in. */
  async created(tx: EntityManager, row: E, meta: TransitionMeta): Promise<void> {
    await this.append(tx, row.id, null, row.status, meta);
  }

  /** Moves `row` to `to`, or throws INVALID_STATE; `row.status` is updated in place. */
  async apply(tx: EntityManager, row: E, to: S, meta: TransitionMeta, changes: Partial<E> = {}): Promise<E> {
    const from = row.status;
    this.assertTransition(from, to);
    const result = await tx
      .createQueryBuilder()
      .update(this.entity)
      .set({ ...changes, status: to } as never)
      .where('id = :id AND status = :from', { id: row.id, from })
      .execute();
    if (!result.affected) {
      throw new InvalidStateError(msg('error.changedMeanwhile', { object: this.thing, id: row.id }), { from, to });
    }
    Object.assign(row, changes, { status: to });
    await this.append(tx, row.id, from, to, meta);
    return row;
  }

  /** The object named in the reader's language: SPACE_CONTRACT -> `thing` "spaceContract" (or its words when the catalogue has none). */
  private get thing() {
    const key = this.objectType.toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
    return { msg: 'thing' as const, values: { what: key } };
  }

  private status(s: string | null) {
    return { msg: 'status' as const, values: { status: s ?? '' } };
  }

  private async append(tx: EntityManager, objectId: string, from: S | null, to: S, meta: TransitionMeta) {
    await tx.insert(StatusChange, {
      objectType: this.objectType,
      objectId,
      communityId: meta.communityId ?? null,
      from,
      to,
      byUserId: meta.by,
      note: meta.note ?? null,
      noteId: meta.noteMessage?.id ?? null,
      noteValues: (meta.noteMessage ? (meta.noteMessage.values ?? {}) : null) as never,
    });
  }
}
