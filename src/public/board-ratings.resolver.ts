import { Ctx as Context, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Ctx } from '../context';
import { PartnerRating } from '../ratings/rating-round.entity';
import { boardRatings } from '../ratings/ratings.service';
import { PublicBoard } from './public-board.resolver';

/** The rating rounds' published results on the public board (issue #15); here so that ratings/ does not import its readers. */
@Resolver(() => PublicBoard)
export class PublicBoardRatingsResolver {
  @FieldResolver(() => [PartnerRating], { description: "Results of the community's closed rating rounds: newest round first, best first within it (at most 100)." })
  ratings(@Root() board: PublicBoard, @Context() ctx: Ctx) {
    return boardRatings(ctx, board.community.id);
  }
}
