import { Field, ObjectType } from 'type-graphql';
import { DateTimeScalar } from '../common/scalars';

@ObjectType()
export class SlotOccurrence {
  @Field(() => DateTimeScalar)
  start: Date;

  @Field(() => DateTimeScalar)
  end: Date;

  @Field()
  available: boolean;

  /** The room's community: its instants are written in that community's offset. */
  communityId?: string;
}
