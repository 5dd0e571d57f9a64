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
  /** Why it happened when the hooks must know it, in the domain's words (e.g. PARTNERSHIP_ENDED for a cascade). */
  cause?: string;
  /**
   * What the hooks' texts need beyond the transition and its note (e.g. the reason a cascade was
   * given, when the history note wraps it in other words). Not stored.
   */
  values?: Readonly<Record<string, string | number>>;
}

/** One object moved by a transition, as hooks receive it. `from` is null when the object was just created. */
export interface Transition<S extends string, E> {
  row: E;
  from: S | null;
  to: S;
  meta: TransitionMeta;
}

/**
 * The domains whose hooks run, in this order, whatever order the modules were loaded in. It is the
 * lock order of the cascades (partnership -> contracts -> bookings -> demand items -> matches ->
 * offers), so a cascade never takes a lock another transaction takes the other way round; `live`
 * comes last because it only tells. A new domain takes its place here; within a domain, hooks run
 * in the order they were registered.
 */
export const HOOK_ORDER = ['partners', 'spaces', 'demand', 'service-hours', 'residents', 'projects', 'agendas', 'ratings', 'live', /** hooks a test injects, last */ 'test'] as const;
export type HookDomain = (typeof HOOK_ORDER)[number];

/** When a hook runs: entering or leaving a status, or on every transition (`'any'`). */
export type HookWhen<S extends string> = { enter: S } | { leave: S } | 'any';

/**
 * A side effect of a transition, run inside its transaction right after the status and history
 * are written. Set-based transitions call it once with the objects of the batch it concerns (all
 * with the same `to`; for a `leave` hook, those that left its status).
 * Throwing rolls the whole transaction back, the transition included.
 */
export type Hook<S extends string, E> = (tx: EntityManager, batch: Transition<S, E>[]) => Promise<void>;

interface Registered<S extends string, E> {
  when: HookWhen<S>;
  hook: Hook<S, E>;
  domain: HookDomain;
  name: string;
  seq: number;
}

let registrations = 0;

const applies = <S extends string>(when: HookWhen<S>, from: S | null, to: S) =>
  when === 'any' || ('enter' in when ? when.enter === to : when.leave === from);

const hooksSuspended = new WeakSet<EntityManager>();

/**
 * Runs `work` on `tx` without any hook: for the demo seed, which writes the state a history of
 * requests would have left, inbox included, and must not have it told a second time.
 */
export async function withoutHooks<T>(tx: EntityManager, work: () => Promise<T>): Promise<T> {
  hooksSuspended.add(tx);
  try {
    return await work();
  } finally {
    hooksSuspended.delete(tx);
  }
}

/** A column value for `applyWhere`'s `changes`: a value, or `() => 'sql'` for an SQL expression (e.g. `now()`). */
type ChangeValue = unknown | (() => string);

/**
 * A lifecycle declared as one table of allowed transitions. It is the only writer of its objects'
 * status and of their history: `apply` moves one row, `applyWhere` a set of rows in one statement,
 * and both append to the shared history and then run the hooks registered with `on`.
 */
export class StateMachine<S extends string, E extends ObjectLiteral & { id: string; status: S }> {
  private hooks: Registered<S, E>[] = [];

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

  /** The statuses from which `to` may be entered. */
  sourcesOf(to: S): S[] {
    return (Object.keys(this.transitions) as S[]).filter((from) => this.canTransition(from, to));
  }

  /**
   * Registers a side effect: the one place a domain adds what follows a transition. Call it at
   * module load from the domain's `*.hooks.ts` (imported once by src/app.ts). Returns a function
   * that removes it (for tests).
   */
  on(when: HookWhen<S>, hook: Hook<S, E>, owner: { domain: HookDomain; name: string }): () => void {
    const registered = { when, hook, ...owner, seq: registrations++ };
    this.hooks.push(registered);
    this.hooks.sort((a, b) => HOOK_ORDER.indexOf(a.domain) - HOOK_ORDER.indexOf(b.domain) || a.seq - b.seq);
    return () => {
      this.hooks = this.hooks.filter((h) => h !== registered);
    };
  }

  /** The hooks that run when an object moves `from` -> `to`, in order, as `domain: name` (docs, tests). */
  hooksFor(from: S | null, to: S): string[] {
    return this.matching(from, to).map((h) => `${h.domain}: ${h.name}`);
  }

  private matching(from: S | null, to: S): Registered<S, E>[] {
    return this.hooks.filter(({ when }) => applies(when, from, to));
  }

  /** Runs each matching hook once, with the part of the batch it concerns (for `leave`, the objects that left that status). */
  private async runHooks(tx: EntityManager, batch: Transition<S, E>[]): Promise<void> {
    if (!batch.length || !this.hooks.length || hooksSuspended.has(tx)) return;
    for (const { when, hook } of [...this.hooks]) {
      const concerned = batch.filter((t) => applies(when, t.from, t.to));
      if (concerned.length) await hook(tx, concerned);
    }
  }

  /** Records the state an object was created in, and runs the hooks entering it. */
  async created(tx: EntityManager, row: E, meta: TransitionMeta): Promise<void> {
    await this.append(tx, row.id, null, row.status, meta);
    await this.runHooks(tx, [{ row, from: null, to: row.status, meta }]);
  }

  /**
   * Creates many objects and their history in ONE statement: `insert` is an INSERT into this
   * lifecycle's table with `$n` parameters and `RETURNING id, community_id, status`; each row
   * inserted gets its history row in the same statement. Returns the ids. Hooks do not run: no
   * hook needs a bulk creation yet (give it one here when one does).
   */
  async createdMany(tx: EntityManager, insert: { sql: string; params: unknown[] }, meta: TransitionMeta): Promise<string[]> {
    const n = insert.params.length;
    const rows: { object_id: string }[] = await tx.query(
      `WITH inserted AS (${insert.sql})
       INSERT INTO status_change (object_type, object_id, community_id, from_status, to_status, by_user_id, note, note_id, note_values)
       SELECT $${n + 1}, i.id, i.community_id, NULL, i.status, $${n + 2}::uuid, $${n + 3}::text, $${n + 4}::text, $${n + 5}::jsonb FROM inserted i
       RETURNING object_id`,
      [...insert.params, this.objectType, meta.by, meta.note ?? null, ...this.noteColumns(meta)],
    );
    return rows.map((r) => r.object_id);
  }

  /** Moves `row` to `to`, or throws INVALID_STATE; `row.status` is updated in place. Then runs the hooks. */
  async apply(tx: EntityManager, row: E, to: S, meta: TransitionMeta, changes: Partial<E> = {}): Promise<E> {
    const from = row.status;
    this.assertTransition(from, to);
    // The row's own community as well, where its table has one: under Citus the update then goes to one shard.
    const communityId = tx.connection.getMetadata(this.entity).findColumnWithPropertyName('communityId') ? (row as { communityId?: string }).communityId : undefined;
    const result = await tx
      .createQueryBuilder()
      .update(this.entity)
      .set({ ...changes, status: to } as never)
      .where(communityId ? 'community_id = :communityId AND id = :id AND status = :from' : 'id = :id AND status = :from', { communityId, id: row.id, from })
      .execute();
    if (!result.affected) {
      throw new InvalidStateError(msg('error.changedMeanwhile', { object: this.thing, id: row.id }), { from, to });
    }
    Object.assign(row, changes, { status: to });
    await this.append(tx, row.id, from, to, meta);
    await this.runHooks(tx, [{ row, from, to, meta }]);
    return row;
  }

  /**
   * Moves every row matching `where` (SQL on the table's columns, `:named` parameters) whose status
   * may go to `to` (narrowed to `from` when given) in ONE statement: the rows are locked in id
   * order, updated with `changes` (by property name), and each gets one history row, all in the
   * same statement. Then the hooks run once with the whole batch. Returns the moved rows.
   */
  async applyWhere(
    tx: EntityManager,
    where: { sql: string; params?: Record<string, unknown> },
    to: S,
    meta: TransitionMeta,
    options: { from?: readonly S[]; changes?: Partial<Record<keyof E & string, ChangeValue>> } = {},
  ): Promise<Transition<S, E>[]> {
    const froms = (options.from ?? this.sourcesOf(to)).filter((s) => this.canTransition(s, to));
    if (!froms.length) throw new InvalidStateError(msg('error.invalidTransition', { object: this.thing, from: this.status(null), to: this.status(to) }), { to });
    const metadata = tx.connection.getMetadata(this.entity);
    const table = metadata.tablePath;
    const [condition, conditionParams] = tx.connection.driver.escapeQueryWithParameters(where.sql, where.params ?? {});
    const params: unknown[] = [...conditionParams];
    const bind = (value: unknown) => `$${params.push(value)}`;
    const sets = [`status = ${bind(to)}`];
    for (const [property, value] of Object.entries(options.changes ?? {})) {
      const column = metadata.findColumnWithPropertyName(property);
      if (!column) throw new Error(`${table} has no column for ${property}`);
      sets.push(`"${column.databaseName}" = ${typeof value === 'function' ? (value as () => string)() : bind(value)}`);
    }
    if (metadata.updateDateColumn && !(options.changes && metadata.updateDateColumn.propertyName in options.changes)) {
      sets.push(`"${metadata.updateDateColumn.databaseName}" = now()`);
    }
    const community = metadata.findColumnWithPropertyName('communityId') ? `COALESCE(${bind(meta.communityId ?? null)}::uuid, m.community_id)` : `${bind(meta.communityId ?? null)}::uuid`;
    const [noteId, noteValues] = this.noteColumns(meta);
    const rows: Record<string, unknown>[] = await tx.query(
      `WITH picked AS (
         SELECT id, status AS from_status FROM ${table} WHERE (${condition}) AND status = ANY(${bind(froms)}::text[]) ORDER BY id FOR UPDATE),
       moved AS (
         UPDATE ${table} t SET ${sets.join(', ')} FROM picked WHERE t.id = picked.id
         RETURNING t.*, picked.from_status AS "__from"),
       history AS (
         INSERT INTO status_change (object_type, object_id, community_id, from_status, to_status, by_user_id, note, note_id, note_values)
         SELECT ${bind(this.objectType)}, m.id, ${community}, m."__from", m.status, ${bind(meta.by)}::uuid, ${bind(meta.note ?? null)}::text, ${bind(noteId)}::text, ${bind(noteValues)}::jsonb
           FROM moved m)
       SELECT * FROM moved ORDER BY id`,
      params,
    );
    const batch = rows.map((raw): Transition<S, E> => {
      const row = metadata.create() as E;
      for (const column of metadata.columns) {
        if (column.databaseName in raw) column.setEntityValue(row, tx.connection.driver.prepareHydratedValue(raw[column.databaseName], column));
      }
      return { row, from: raw.__from as S, to, meta };
    });
    await this.runHooks(tx, batch);
    return batch;
  }

  /** The object named in the reader's language: SPACE_CONTRACT -> `thing` "spaceContract" (or its words when the catalogue has none). */
  private get thing() {
    const key = this.objectType.toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
    return { msg: 'thing' as const, values: { what: key } };
  }

  private status(s: string | null) {
    return { msg: 'status' as const, values: { status: s ?? '' } };
  }

  private noteColumns(meta: TransitionMeta): [string | null, string | null] {
    return meta.noteMessage ? [meta.noteMessage.id, JSON.stringify(meta.noteMessage.values ?? {})] : [null, null];
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
