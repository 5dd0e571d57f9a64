import { Arg, Ctx as Context, Field, ID, ObjectType, Query, Resolver } from 'type-graphql';
import { Community } from '../communities/community.entity';
import { findCommunity } from '../communities/communities.service';
import type { Ctx } from '../context';

/**
 * What any resident may see without signing in: no personal data. Each domain adds its own
 * fields to it with a `@Resolver(() => PublicBoard)` field resolver in its folder.
 */
@ObjectType({ description: 'What any resident may see without signing in: no personal data.' })
export class PublicBoard {
  @Field(() => Community)
  community: Community;
}

@Resolver(() => PublicBoard)
export class PublicBoardResolver {
  @Query(() => PublicBoard)
  async publicBoard(@Arg('communityId', () => ID) communityId: string, @Context() ctx: Ctx): Promise<PublicBoard> {
    return { community: await findCommunity(ctx, communityId, 'communityId') };
  }
}
