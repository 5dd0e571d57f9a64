import type { ObjectLiteral } from 'typeorm';
import { knowRoles, readerId, rolesNow, type RolesFound, type ViewerRoles, viewerRoles, viewerRolesFrom, viewerRolesSql } from './policy';
import type { Ctx } from '../context';
import { isUuid } from '../common/ids';
import type { Prefetch } from '../common/prefetch';

/*
 * Who may read what (docs/visibility.md, issue #11). Each domain keeps, in its `*.visibility.ts`,
 * the table of its types' restricted fields and the one function per type that applies it to a
 * row; field resolvers ask that function and answer null (or an empty list) for what the viewer
 * may not read, and lists leave out the rows the viewer may not see. The same tables generate
 * docs/visibility.md and drive test/visibility.test.ts role by role.
 */

/** The table's columns: who the viewer is in relation to the row. */
export const ROLES = ['anonymous', 'signedIn', 'member', 'secretary', 'admin'] as const;
/** `self`: the row is the viewer's own account (User); not a column, named in the notes. */
export type Role = (typeof ROLES)[number] | 'self';

export const ROLE_TITLES: Record<(typeof ROLES)[number], string> = {
  anonymous: 'anonymous',
  signedIn: 'signed in',
  member: 'member of the partner',
  secretary: 'secretary of the community',
  admin: 'admin',
};

/** Anyone signed in (every signed-in viewer holds `signedIn`). */
export const SIGNED_IN: readonly Role[] = ['signedIn'];
/** Those who take part in the row: the partner's members, the community's secretaries, admins. */
export const INVOLVED: readonly Role[] = ['member', 'secretary', 'admin'];

export interface FieldRule {
  /** The roles that may read the field. */
  roles: readonly Role[];
  /** What everyone else reads instead. */
  hidden: 'null' | 'empty list' | string;
  /** When everyone may read it after all (the type's function holds the code). */
  publicWhen?: string;
  note?: string;
}

export interface TypeVisibility<F extends string = string> {
  type: string;
  /** What "member of the partner" and "secretary of the community" mean for this type. */
  scope: string;
  /** Who sees the row at all; lists leave out the others, single reads answer null. */
  rows?: FieldRule;
  fields: Record<F, FieldRule>;
}

/** Where a row belongs: its community, its partner, the user it is. */
export interface RowScope {
  communityId?: string | null;
  partnerId?: string | null;
  userId?: string | null;
}

const ANONYMOUS: ReadonlySet<Role> = new Set<Role>(['anonymous']);

/** The viewer's roles on one row (a refused token counts as anonymous here: reads never fail for it). */
export async function rolesOn(ctx: Ctx, scope: RowScope): Promise<ReadonlySet<Role>> {
  if (!readerId(ctx)) return ANONYMOUS;
  return rolesOf(await viewerRoles(ctx), scope);
}

/**
 * rolesOn without waiting, once the request knows the viewer's roles (a list's statement brought
 * them, or an earlier check loaded them); null while it does not. A nested read's many rows are
 * then checked with no promise each.
 */
export function rolesOnNow(ctx: Ctx, scope: RowScope): ReadonlySet<Role> | null {
  if (!readerId(ctx)) return ANONYMOUS;
  const viewer = rolesNow(ctx);
  return viewer ? rolesOf(viewer, scope) : null;
}

/** The signed-in role sets, one per combination of admin, member, secretary and self: shared, never changed. */
const SIGNED_IN_SETS: readonly ReadonlySet<Role>[] = Array.from({ length: 16 }, (_, bits) => {
  const roles = new Set<Role>(['signedIn']);
  if (bits & 1) roles.add('admin');
  if (bits & 2) roles.add('member');
  if (bits & 4) roles.add('secretary');
  if (bits & 8) roles.add('self');
  return roles;
});

/** A nested read asks this for every row (twice for a match and its offer): a shared set, not a new one each time. */
function rolesOf(viewer: ViewerRoles, scope: RowScope): ReadonlySet<Role> {
  const bits =
    (viewer.isAdmin ? 1 : 0) |
    (scope.partnerId && viewer.partnerRoles.has(scope.partnerId) ? 2 : 0) |
    (scope.communityId && viewer.secretaryOf.has(scope.communityId) ? 4 : 0) |
    (scope.userId && scope.userId === viewer.userId ? 8 : 0);
  return SIGNED_IN_SETS[bits];
}

export const allows = (rule: FieldRule, roles: ReadonlySet<Role>, isPublic = false) => isPublic || rule.roles.some((r) => roles.has(r));

/** What one viewer may read of one row: the row itself, and each restricted field. */
export interface Readable<F extends string> {
  row: boolean;
  field(name: F): boolean;
}

/** Applies a type's table to the viewer's roles on a row; `publicNow` names the rules whose public condition holds for it. */
export function readable<F extends string>(table: TypeVisibility<F>, roles: ReadonlySet<Role>, publicNow: Partial<Record<F | 'rows', boolean>> = {}): Readable<F> {
  return {
    row: !table.rows || allows(table.rows, roles, publicNow.rows),
    field: (name) => allows(table.fields[name], roles, publicNow[name]),
  };
}

const VIEWER_ROLES_SQL = viewerRolesSql('$p0');

/**
 * A list whose rows the viewer's roles will be asked about brings those roles in its own statement
 * (one uncorrelated subquery, which PostgreSQL evaluates once), so that a nested read stays one
 * statement: the first row primes the request's memoised roles (auth/policy.ts `viewerRoles`).
 * Nothing is added for anonymous viewers or when the roles are already loaded.
 */
export function withViewerRoles(ctx: Ctx, prefetch: Prefetch | null): Prefetch | null {
  const userId = readerId(ctx);
  if (!userId || ctx.roles || !isUuid(userId)) return prefetch;
  let at = 0;
  return {
    own: prefetch?.own,
    joins: (alias) => prefetch?.joins?.(alias) ?? '',
    texts: (alias) => prefetch?.texts?.(alias) ?? [],
    values: (alias) => {
      const own = prefetch?.values(alias) ?? [];
      at = own.length;
      return [...own, VIEWER_ROLES_SQL];
    },
    attach: (entity: ObjectLiteral, values: unknown[], offset: number, texts, textOffset) => {
      prefetch?.attach(entity, values, offset, texts, textOffset);
      // Every row carries the same roles: the first row's are read, the rest left alone.
      if (ctx.roles) return;
      const roles = viewerRolesFrom(userId, values[offset + at] as RolesFound);
      if (roles) knowRoles(ctx, roles);
    },
    parameters: [userId],
  };
}
