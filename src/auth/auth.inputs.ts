import { IsEmail, Length, MaxLength } from 'class-validator';
import { Field, InputType, ObjectType } from 'type-graphql';
import { User } from '../users/user.entity';

@InputType()
export class SignUpInput {
  @Field()
  @IsEmail({}, { message: 'field.email' })
  @MaxLength(254)
  email: string;

  /** Strength is checked by the service so the message can say what is missing. */
  @Field()
  @MaxLength(128)
  password: string;

  @Field()
  @Length(1, 100)
  displayName: string;
}

@InputType()
export class LogInInput {
  @Field()
  @MaxLength(254)
  email: string;

  @Field()
  @MaxLength(128)
  password: string;
}

@ObjectType()
export class AuthPayload {
  @Field()
  token: string;

  @Field(() => User)
  user: User;
}
