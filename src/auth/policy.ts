import type { Ctx } from '../context';
import { ForbiddenError, UnauthenticatedError } from '../errors';
import { PartnerRole } from '../partners/partner.entity';
import { msg, type Msg } from '../i18n/messages';
import { queryPrepared } from '../db/prepared';

/*
 * The shared primitives of authorization: who the viewer is (`signedIn`, the one "signed in"
 * guard) and the facts about their roles. The rules themselves live with each domain, in its
 * `<domain>.policy.ts`: a declared table (mutation -> who may, on which object) that resolvers
 * enforce with `authorize` before the one service call, and that test/policy-matrix.test.ts
 * reads to try every mutation as every role. Visibility (who reads what) is the other half, in
 * each domain's `*.visibility.ts`. Everything here runs before a transaction opens (on embedded
 * PGlite a second connection inside one would wait).
 */

export interface ViewerRoles {
  userId: string;
  isAdmin: boolean;
  secretaryOf: Set<string>;
  partnerRoles: Map<string, PartnerRole>;
}

/** The one "signed in" guard: the viewer's id, or UNAUTHENTICATED (with the reason a token was refused). */
export function signedIn(ctx: Ctx): string {
  if (ctx.viewer.authError) throw ctx.viewer.authError;
  if (!ctx.viewer.userId) throw new UnauthenticatedError();
  return ctx.viewer.userId;
}

/**
 * The viewer for reads, which never fail on who is asking: their id, or null for an anonymous
 * reader and for a refused token (reads then answer what anyone may see).
 */
export function readerId(ctx: Ctx): string | null {
  return ctx.viewer.authError ? null : ctx.viewer.userId;
}

/** The roles each memoised promise resolved to: for checks that need not wait once they are known. */
const settled = new WeakMap<Promise<unknown>, ViewerRoles>();

/** Memoises `roles` for the request as already known (a list's own statement brought them). */
export function knowRoles(ctx: Ctx, roles: ViewerRoles): void {
  const known = Promise.resolve(roles);
  settled.set(known, roles);
  ctx.roles = known;
}

/** The viewer's memoised roles if they are known by now, without waiting; undefined otherwise. */
export function rolesNow(ctx: Ctx): ViewerRoles | undefined {
  return ctx.roles && settled.get(ctx.roles);
}

/** The viewer's roles, loaded once per request (one statement). */
export function viewerRoles(ctx: Ctx): Promise<ViewerRoles> {
  const userId = signedIn(ctx);
  if (!ctx.roles) {
    const loading = loadRoles(ctx, userId);
    // Remembered once loaded, so that later checks of the request can run synchronously (rolesNow).
    loading.then((roles) => settled.set(loading, roles), () => undefined);
    ctx.roles = loading;
  }
  return ctx.roles as Promise<ViewerRoles>;
}

/**
 * The viewer's roles as one JSON value, [isAdmin, [communityId...], [[partnerId, role]...]] (null:
 * no such user), with `param` naming the user's id: one statement, three index lookups.
 */
export function viewerRolesSql(param: string): string {
  return `(SELECT json_build_array(u.is_admin,
  (SELECT coalesce(json_agg(s.community_id), '[]') FROM community_secretary s WHERE s.user_id = u.id),
  (SELECT coalesce(json_agg(json_build_array(pm.partner_id, pm.role)), '[]') FROM partner_member pm WHERE pm.user_id = u.id))
  FROM app_user u WHERE u.id = ${param})`;
}

export type RolesFound = [boolean, string[], [string, PartnerRole][]] | null;

/** The roles in `viewerRolesSql`'s value (undefined for no such user). */
export function viewerRolesFrom(userId: string, found: RolesFound): ViewerRoles | undefined {
  if (!found) return undefined;
  return { userId, isAdmin: found[0], secretaryOf: new Set(found[1]), partnerRoles: new Map(found[2]) };
}

const ROLES_SQL = `SELECT ${viewerRolesSql('$1')} AS roles`;

function loadRoles(ctx: Ctx, userId: string): Promise<ViewerRoles> {
  return (async (): Promise<ViewerRoles> => {
    const [row] = await queryPrepared<{ roles: RolesFound }>(ctx.db, ROLES_SQL, [userId]);
    const roles = viewerRolesFrom(userId, row?.roles ?? null);
    if (!roles) throw new UnauthenticatedError(msg('auth.accountGone'));
    return roles;
  })();
}

// ---------------------------------------------------------------- who may: the words of the tables

/**
 * Who may call a mutation, relative to the object it acts on (its `Scope`):
 * ANYONE (no sign-in), SIGNED_IN, MEMBER_OF_PARTNER (any role, owners included), OWNER_OF_PARTNER,
 * SECRETARY_OF_COMMUNITY, ADMIN, SELF (the user the object belongs to: an invitee, a volunteer, a
 * link's creator).
 */
export type Who = 'ANYONE' | 'SIGNED_IN' | 'MEMBER_OF_PARTNER' | 'OWNER_OF_PARTNER' | 'SECRETARY_OF_COMMUNITY' | 'ADMIN' | 'SELF';

/** What a rule is about: the partner, community and user of the object a mutation acts on. */
export interface Scope {
  communityId?: string | null;
  partnerId?: string | null;
  userId?: string | null;
}

/** The facts about one viewer that the tables are written in (also computed by the matrix test). */
export interface Facts {
  signedIn: boolean;
  userId: string | null;
  isAdmin: boolean;
  secretaryOf: ReadonlySet<string>;
  partnerRoles: ReadonlyMap<string, string>;
}

export const ANONYMOUS_FACTS: Facts = { signedIn: false, userId: null, isAdmin: false, secretaryOf: new Set(), partnerRoles: new Map() };

/** Whether a viewer with these facts is one of `who` on `scope`. */
export function holds(who: readonly Who[], facts: Facts, scope: Scope): boolean {
  return who.some((w) => {
    switch (w) {
      case 'ANYONE':
        return true;
      case 'SIGNED_IN':
        return facts.signedIn;
      case 'ADMIN':
        return facts.isAdmin;
      case 'MEMBER_OF_PARTNER':
        return !!scope.partnerId && facts.partnerRoles.has(scope.partnerId);
      case 'OWNER_OF_PARTNER':
        return !!scope.partnerId && facts.partnerRoles.get(scope.partnerId) === PartnerRole.OWNER;
      case 'SECRETARY_OF_COMMUNITY':
        return !!scope.communityId && facts.secretaryOf.has(scope.communityId);
      case 'SELF':
        return !!scope.userId && scope.userId === facts.userId;
    }
  });
}

/** One row of a domain's policy table. */
export interface Rule<A = Record<string, unknown>> {
  /** Who may; a function where it depends on the object (a booking for a partner or for the community). */
  who: readonly Who[] | ((scope: Scope) => readonly Who[]);
  /** The object lookup that gives the scope (NOT_FOUND comes before FORBIDDEN); none: the rule needs no object. */
  on?: (ctx: Ctx, args: A) => Promise<Scope>;
  /** What a refused signed-in viewer reads (FORBIDDEN unless `refusedAs` says otherwise). */
  refusal?: Msg;
  /** NOT_FOUND: for anyone refused the object does not exist (an invitation reveals nothing). */
  refusedAs?: 'NOT_FOUND';
  /** Rules beyond roles that the domain's policy module checks in its own function (named here). */
  more?: string;
}

/** Every mutation of a domain by its schema name. */
export type PolicyTable = Record<string, Rule<any>>;

export const whoFor = (rule: Rule<any>, scope: Scope): readonly Who[] => (typeof rule.who === 'function' ? rule.who(scope) : rule.who);

export function factsOf(roles: ViewerRoles): Facts {
  return { signedIn: true, userId: roles.userId, isAdmin: roles.isAdmin, secretaryOf: roles.secretaryOf, partnerRoles: roles.partnerRoles };
}

const REFUSALS: [Who[], Msg][] = [
  [['ADMIN'], msg('policy.adminOnly')],
  [['OWNER_OF_PARTNER'], msg('policy.partnerOwnerOnly')],
  [['MEMBER_OF_PARTNER'], msg('policy.partnerMemberOnly')],
  [['SECRETARY_OF_COMMUNITY', 'ADMIN'], msg('policy.secretaryOnly')],
];

function refusalFor(who: readonly Who[]): Msg {
  const found = REFUSALS.find(([w]) => w.length === who.length && w.every((x) => who.includes(x)));
  if (found) return found[1];
  if (who.includes('SECRETARY_OF_COMMUNITY') && (who.includes('MEMBER_OF_PARTNER') || who.includes('OWNER_OF_PARTNER'))) {
    return msg('policy.partnerOrSecretary');
  }
  return msg('policy.notAllowed');
}

/**
 * Applies one rule of a table: the sign-in guard, the object lookup, then who may. Answers the
 * viewer's roles and the scope, for the one service call that follows. (An ANYONE rule needs no call.)
 */
export async function authorize<A>(ctx: Ctx, rule: Rule<A>, args: A): Promise<{ roles: ViewerRoles; scope: Scope }> {
  signedIn(ctx);
  const scope = rule.on ? await rule.on(ctx, args) : {};
  const roles = await viewerRoles(ctx);
  refuseUnlessHolds(rule, scope, roles);
  return { roles, scope };
}

function refuseUnlessHolds(rule: Rule<any>, scope: Scope, roles: ViewerRoles): void {
  const who = whoFor(rule, scope);
  if (!holds(who, factsOf(roles), scope)) throw new ForbiddenError(rule.refusal ?? refusalFor(who));
}

/**
 * `authorize` for a read whose statement brings the viewer's roles with its rows
 * (`withViewerRoles`): the object lookup first (NOT_FOUND before FORBIDDEN, as ever), then the
 * read, then the same check on the roles it brought, before anything is answered. One statement
 * fewer per request. A refused viewer gets the same FORBIDDEN whatever the read did (its rows and
 * its errors are dropped); an empty page brings no roles, and they are loaded as `authorize` would.
 */
export async function authorizeRead<A, T>(ctx: Ctx, rule: Rule<A>, args: A, read: () => Promise<T>): Promise<T> {
  signedIn(ctx);
  if (ctx.roles) {
    await authorize(ctx, rule, args);
    return read();
  }
  const scope = rule.on ? await rule.on(ctx, args) : {};
  const answer = await read().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  refuseUnlessHolds(rule, scope, await viewerRoles(ctx));
  if ('error' in answer) throw answer.error;
  return answer.value;
}

// ---------------------------------------------------------------- role checks for reads and the live subscriptions

/** A secretary of this community, or an admin (for reads and the live subscriptions). */
export async function requireSecretary(ctx: Ctx, communityId: string): Promise<ViewerRoles> {
  const roles = await viewerRoles(ctx);
  if (!holds(['SECRETARY_OF_COMMUNITY', 'ADMIN'], factsOf(roles), { communityId })) throw new ForbiddenError(refusalFor(['SECRETARY_OF_COMMUNITY', 'ADMIN']));
  return roles;
}

/** A member of this partner (for reads and the live subscriptions). */
export async function requirePartnerMember(ctx: Ctx, partnerId: string): Promise<ViewerRoles> {
  const roles = await viewerRoles(ctx);
  if (!holds(['MEMBER_OF_PARTNER'], factsOf(roles), { partnerId })) throw new ForbiddenError(refusalFor(['MEMBER_OF_PARTNER']));
  return roles;
}

