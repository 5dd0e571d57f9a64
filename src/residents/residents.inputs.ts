import { IsBoolean, IsEnum, IsOptional, IsUUID, Length, Matches, MaxLength, ValidateNested } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { TEXT_MAX, TITLE_MAX } from '../common/validation';
import { PostDemandInput } from '../demand/demand.inputs';
import { RequestKind, RequestStatus, TriageDecision } from './resident-request.entity';

const NOT_BLANK = /\S/;
const notBlank = { message: 'field.notBlank' };

@InputType()
export class SubmitRequestInput {
  @Field(() => ID)
  @IsUUID('all', { message: 'field.uuid' })
  communityId: string;

  @Field(() => RequestKind)
  @IsEnum(RequestKind)
  kind: RequestKind;

  @Field()
  @Length(1, TITLE_MAX)
  @Matches(NOT_BLANK, notBlank)
  title: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(TEXT_MAX)
  description?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(TITLE_MAX)
  building?: string | null;

  @Field(() => Boolean, { nullable: true, defaultValue: true })
  @IsOptional()
  @IsBoolean()
  anonymousOnBoard?: boolean | null;
}

@InputType()
export class TriageRequestInput {
  @Field(() => ID)
  requestId: string;

  @Field(() => TriageDecision)
  @IsEnum(TriageDecision)
  decision: TriageDecision;

  @Field(() => String, { nullable: true, description: 'Required for DECLINE.' })
  @IsOptional()
  @MaxLength(TEXT_MAX)
  reason?: string | null;

  @Field(() => PostDemandInput, { nullable: true, description: "For TO_DEMAND_LIST: the item to post (communityId must be the request's)." })
  @IsOptional()
  @ValidateNested()
  demand?: PostDemandInput | null;

  @Field(() => ID, { nullable: true, description: 'For MERGE: an open item of the same community.' })
  @IsOptional()
  mergeIntoDemandId?: string | null;
}

@InputType()
export class ResidentRequestFilter {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  communityId?: string | null;

  @Field(() => [RequestStatus], { nullable: true })
  @IsOptional()
  status?: RequestStatus[] | null;

  @Field(() => RequestKind, { nullable: true })
  @IsOptional()
  kind?: RequestKind | null;

  @Field(() => Boolean, { nullable: true, description: 'Only the requests I raised.' })
  @IsOptional()
  mine?: boolean | null;
}
