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
}
