import { ArrayMaxSize, IsOptional, IsUUID, Length, Matches, MaxLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { LocalDateScalar } from '../common/scalars';
import { TEXT_MAX, TITLE_MAX } from '../common/validation';

const NOT_BLANK = /\S/;
const notBlank = { message: 'field.notBlank' };

/** How many demand items one project may answer. */
export const PROJECT_DEMANDS_MAX = 50;

@InputType()
export class ProposeProjectInput {
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

  @Field(() => ID, { nullable: true, description: 'Lead as this partner (you must belong to it); omit to lead it yourself.' })
  @IsOptional()
  @IsUUID('all', { message: 'field.uuid' })
  leadPartnerId?: string | null;

  @Field(() => LocalDateScalar, { nullable: true })
  @IsOptional()
  startDate?: string | null;

  @Field(() => LocalDateScalar, { nullable: true })
  @IsOptional()
  endDate?: string | null;

  @Field(() => [ID], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(PROJECT_DEMANDS_MAX)
  @IsUUID('all', { each: true, message: 'field.uuids' })
  demandIds?: string[] | null;
}
