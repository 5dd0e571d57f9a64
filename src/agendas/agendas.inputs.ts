import { ArrayMaxSize, IsInt, IsOptional, IsUUID, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { DateTimeScalar, LocalDateScalar } from '../common/scalars';
import { DECISION_LINKS_MAX } from '../common/row-bounds';
import { TEXT_MAX, TITLE_MAX } from '../common/validation';

const NOT_BLANK = /\S/;
const notBlank = { message: 'field.notBlank' };

@InputType()
export class ProposeAgendaItemInput {
  @Field(() => ID)
  @IsUUID('all', { message: 'field.uuid' })
  communityId: string;

  @Field()
  @Length(1, TITLE_MAX)
  @Matches(NOT_BLANK, notBlank)
  title: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(TEXT_MAX)
  description?: string | null;

  @Field(() => DateTimeScalar, { description: 'When opinions close: in the future.' })
  opinionsCloseAt: Date;
}

/** The meeting's decision, with the demand items and projects it created. */
@InputType()
export class RecordDecisionInput {
  @Field(() => ID)
  agendaItemId: string;

  @Field(() => LocalDateScalar, { description: "The day the meeting was held (the community's time zone): today or earlier." })
  meetingDate: string;

  @Field(() => Int)
  @IsInt()
  @Min(0)
  @Max(100_000)
  attendees: number;

  @Field()
  @Length(1, TEXT_MAX)
  @Matches(NOT_BLANK, notBlank)
  outcome: string;

  @Field(() => [ID], { nullable: true, description: 'Demand items the decision created: of the same community.' })
  @IsOptional()
  @ArrayMaxSize(DECISION_LINKS_MAX)
  demandIds?: string[] | null;

  @Field(() => [ID], { nullable: true, description: 'Projects the decision created: of the same community.' })
  @IsOptional()
  @ArrayMaxSize(DECISION_LINKS_MAX)
  projectIds?: string[] | null;
}
