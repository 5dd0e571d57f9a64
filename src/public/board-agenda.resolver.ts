import { Ctx as Context, FieldResolver, Resolver, Root } from 'type-graphql';
import { AgendaItem } from '../agendas/agenda-item.entity';
import { boardAgendaOf } from '../agendas/agendas.service';
import type { Ctx } from '../context';
import { PublicBoard } from './public-board.resolver';

/**
 * The community's agenda on the public board (issue #15): what residents are asked now and what
 * was decided lately, with counts and outcomes; opinions never name an anonymous author
 * (Opinion.authorName). Here rather than in agendas/, so that the domain does not import its readers.
 */
@Resolver(() => PublicBoard)
export class PublicBoardAgendaResolver {
  @FieldResolver(() => [AgendaItem], { description: 'Items open for opinions (closing soonest first), then those decided in the last 30 days (latest first); at most 50.' })
  agenda(@Root() board: PublicBoard, @Context() ctx: Ctx) {
    return boardAgendaOf(ctx, board.community.id);
  }
}
