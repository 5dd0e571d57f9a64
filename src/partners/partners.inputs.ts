import { IsEnum, IsOptional, Length, MaxLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { TEXT_MAX, TITLE_MAX } from '../common/validation';
import { PartnerCategory } from './partner.entity';

@InputType()
export class RegisterPartnerInput {
  @Field()
  @Length(1, TITLE_MAX)
  name: string;

  @Field(() => PartnerCategory)
  @IsEnum(PartnerCategory)
  category: PartnerCategory;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(TEXT_MAX)
  description?: string | null;
}

@InputType()
export class PartnerFilter {
  @Field(() => PartnerCategory, { nullable: true })
  @IsOptional()
  category?: PartnerCategory | null;

  @Field(() => ID, { nullable: true, description: 'Partners with an ACTIVE partnership in this community.' })
  @IsOptional()
  communityId?: string | null;

  @Field(() => String, { nullable: true, description: 'Part of the name or description.' })
  @IsOptional()
  @MaxLength(TITLE_MAX)
  search?: string | null;
}
