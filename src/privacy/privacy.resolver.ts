import { Arg, Ctx as Context, Mutation, Resolver } from 'type-graphql';
import type { Ctx } from '../context';
import { authorize } from '../auth/policy';
import { PRIVACY_POLICY as may } from './privacy.policy';
import * as privacy from './privacy.service';

@Resolver()
export class PrivacyResolver {
  @Mutation(() => Boolean, {
    description:
      'Erases the signed-in person: e-mail, name and password gone, every token revoked; records that belong to communities and partners (service logs, matches, opinions, requests) stay, attributed to "已注销用户". Needs the current password.',
  })
  async deleteMyAccount(@Arg('password') password: string, @Context() ctx: Ctx) {
    await authorize(ctx, may.deleteMyAccount, { password });
    return privacy.deleteMyAccount(ctx, password);
  }
}
