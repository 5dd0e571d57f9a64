import { Ctx as Context, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Ctx } from '../context';
import { Project } from '../projects/project.entity';
import { publicProjectsOf } from '../projects/projects.service';
import { PublicBoard } from './public-board.resolver';

/**
 * The project list on the public board (项目清单, issue #15): approved and in-progress projects
 * with their progress, then those completed lately. Here rather than in projects/, so that the
 * domain does not import its readers.
 */
@Resolver(() => PublicBoard)
export class PublicBoardProjectsResolver {
  @FieldResolver(() => [Project], { description: 'Approved and in-progress projects, newest approved first, then those completed in the last 90 days (at most 50).' })
  projects(@Root() board: PublicBoard, @Context() ctx: Ctx) {
    return publicProjectsOf(ctx, board.community.id);
  }
}
