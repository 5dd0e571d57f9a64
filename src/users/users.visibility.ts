import { readable, rolesOn, SIGNED_IN, type Readable, type TypeVisibility } from '../auth/visibility';
import type { Ctx } from '../context';
import type { User } from './user.entity';

/*
 * Who may read what of a person (docs/visibility.md). A user's display name shows wherever the
 * field that leads to the user is readable (each such field has its own rule); the e-mail only
 * to the user and admins.
 */

export const USER_VISIBILITY: TypeVisibility<'email' | 'partners'> = {
  type: 'User',
  scope: '-; - (the user themself: "self")',
  fields: {
    email: { roles: ['self', 'admin'], hidden: 'null', note: 'the user themself too' },
    partners: { roles: SIGNED_IN, hidden: 'empty list', note: "a person's memberships, as Partner.members" },
  },
};

export const USERS_VISIBILITY = [USER_VISIBILITY];

export async function userVisibility(ctx: Ctx, user: User): Promise<Readable<keyof typeof USER_VISIBILITY.fields>> {
  return readable(USER_VISIBILITY, await rolesOn(ctx, { userId: user.id }));
}
