import { msg } from '../i18n/messages';
import { Arg, Ctx as Context, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { MAX_PAGE_SIZE } from '../common/pagination';
import type { Ctx } from '../context';
import { BadUserInputError } from '../errors';
import { ResidentRequest } from '../residents/resident-request.entity';
import { publicRequestsOf } from '../residents/requests.service';
import { PublicBoard } from './public-board.resolver';

/**
 * The residents' requests on the public board (issue #14): those on the demand list, newest first.
 * Who raised them and where they live stay hidden (ResidentRequest's visibility). Here rather than
 * in residents/, so that the domain does not import its readers.
 */
@Resolver(() => PublicBoard)
export class PublicBoardRequestsResolver {
  @FieldResolver(() => [ResidentRequest], { description: 'Requests on the demand list (accepted and later), newest first; without who raised them.' })
  recentRequests(@Root() board: PublicBoard, @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null, @Context() ctx: Ctx) {
    const n = first ?? 20;
    if (!Number.isInteger(n) || n < 0 || n > MAX_PAGE_SIZE) throw BadUserInputError.field('first', msg('field.betweenZeroAnd', { max: MAX_PAGE_SIZE }));
    return publicRequestsOf(ctx, board.community.id, n);
  }
}
