import { ArrayMaxSize, ArrayMinSize, IsInt, IsNumber, IsOptional, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { PANEL_MAX, ROUND_PARTNERS_MAX } from '../common/row-bounds';
import { TITLE_MAX } from '../common/validation';

const NOT_BLANK = /\S/;
const notBlank = { message: 'field.notBlank' };
/** A criterion's key: what scores name it by (lower-case words joined by underscores). */
const CRITERION_KEY = /^[a-z][a-z0-9_]{0,49}$/;

/** At most this many criteria: the lists under a round are costed at 10 rows (src/ops/limits.ts). */
export const CRITERIA_MAX = 10;

@InputType()
export class RatingCriterionInput {
  @Field({ description: 'Lower-case letters, digits and _, e.g. party_leadership; unique in the round.' })
  @Matches(CRITERION_KEY, { message: 'rating.criterionKey' })
  key: string;

  @Field()
  @Length(1, TITLE_MAX)
  @Matches(NOT_BLANK, notBlank)
  name: string;

  @Field(() => Float, { nullable: true, defaultValue: 1, description: 'Positive, at most 100.' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.01)
  @Max(100)
  weight?: number | null;
}

@InputType()
export class OpenRatingRoundInput {
  @Field(() => ID)
  communityId: string;

  @Field()
  @Length(1, TITLE_MAX)
  @Matches(NOT_BLANK, notBlank)
  title: string;

  @Field({ description: 'e.g. 2026Q4' })
  @Length(1, 50)
  @Matches(NOT_BLANK, notBlank)
  period: string;

  @Field({ description: 'In the future.' })
  closesAt: Date;

  @Field(() => [RatingCriterionInput], {
    nullable: true,
    description: 'Defaults to five criteria: 党建引领作用, 制度规范化建设, 整体工作效能, 社会评估, 创新工作机制.',
  })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(CRITERIA_MAX)
  @ValidateNested({ each: true })
  @Type(() => RatingCriterionInput)
  criteria?: RatingCriterionInput[] | null;

  @Field(() => [ID], { description: 'Partners with an active partnership in the community.' })
  @ArrayMinSize(1)
  @ArrayMaxSize(ROUND_PARTNERS_MAX)
  partnerIds: string[];

  @Field(() => [ID], { description: "Users who score (residents' representatives, secretaries)." })
  @ArrayMinSize(1)
  @ArrayMaxSize(PANEL_MAX)
  panelUserIds: string[];
}

@InputType()
export class CriterionScoreInput {
  @Field()
  @Length(1, 50)
  key: string;

  @Field(() => Int, { description: '1-5' })
  @IsInt()
  @Min(1)
  @Max(5)
  score: number;
}
