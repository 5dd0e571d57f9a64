import { Arg, Ctx as Context, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { readerId, signedIn } from '../auth/policy';
import type { Ctx } from '../context';
import { BadUserInputError } from '../errors';
import { User } from './user.entity';
import { isLocale, LOCALES } from '../i18n/locale';
import { msg } from '../i18n/messages';
import { rememberSavedLocale, savedLocale } from '../i18n/request';

@Resolver(() => User)
export class UserLocaleResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description: 'The language this user reads the API in when a request names none (zh-CN or en); null = zh-CN. Visible to the user themself only.',
  })
  locale(@Root() user: User, @Context() ctx: Ctx): Promise<string | null> | null {
    return readerId(ctx) === user.id ? savedLocale(ctx.db, user.id) : null;
  }

  @Mutation(() => User, { description: "Saves the signed-in user's language (zh-CN or en): used when a request sends no Accept-Language of ours." })
  async setMyLocale(@Arg('locale', () => String) locale: string, @Context() ctx: Ctx): Promise<User> {
    const userId = signedIn(ctx);
    if (!isLocale(locale)) throw BadUserInputError.field('locale', msg('error.locale', { locales: LOCALES.join(', ') }));
    await ctx.db.query(`UPDATE app_user SET locale = $2 WHERE id = $1`, [userId, locale]);
    rememberSavedLocale(ctx.db, userId, locale);
    return ctx.db.getRepository(User).findOneByOrFail({ id: userId });
  }
}
