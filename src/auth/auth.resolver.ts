import { Arg, Ctx as Context, Mutation, Query, Resolver } from 'type-graphql';
import type { Ctx } from '../context';
import { byId } from '../common/loaders';
import { User } from '../users/user.entity';
import { AuthPayload, LogInInput, SignUpInput } from './auth.inputs';
import * as auth from './auth.service';
import { signedIn } from './policy';

@Resolver()
export class AuthResolver {
  @Query(() => User, { nullable: true, description: 'The signed-in user; null without a token.' })
  me(@Context() ctx: Ctx) {
    if (!ctx.viewer.userId && !ctx.viewer.authError) return null;
    return byId(ctx, User).load(signedIn(ctx));
  }

  @Mutation(() => AuthPayload)
  signUp(@Arg('input', () => SignUpInput) input: SignUpInput, @Context() ctx: Ctx) {
    return auth.signUp(ctx, input);
  }

  @Mutation(() => AuthPayload)
  logIn(@Arg('input', () => LogInInput) input: LogInInput, @Context() ctx: Ctx) {
    return auth.logIn(ctx, input);
  }

  @Mutation(() => AuthPayload, { description: 'Every token issued before stops working; answers a fresh token.' })
  changePassword(@Arg('currentPassword') currentPassword: string, @Arg('newPassword') newPassword: string, @Context() ctx: Ctx) {
    return auth.changePassword(ctx, currentPassword, newPassword);
  }

  @Mutation(() => Boolean, { description: 'Ends every session of the signed-in user.' })
  logOutEverywhere(@Context() ctx: Ctx) {
    return auth.logOutEverywhere(ctx);
  }
}
