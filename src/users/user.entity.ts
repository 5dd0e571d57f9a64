import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@ObjectType()
@Entity('app_user')
export class User {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Stored lower-cased; exposed through a field resolver that hides it from other users. */
  @Column()
  email: string;

  @Column()
  passwordHash: string;

  @Field()
  @Column()
  displayName: string;

  @Field()
  @Column({ default: false })
  isAdmin: boolean;

  /** Tokens carry the version they were issued at; bumping it ends them all (auth/tokens.ts). */
  @Column({ type: 'int', default: 0 })
  tokenVersion: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
