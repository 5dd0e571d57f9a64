import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The longest display name (app_user's CHECK). */
export const DISPLAY_NAME_MAX = 100;

@ObjectType()
@Entity('app_user')
export class User {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Stored lower-cased; exposed through a field resolver that hides it from other users. None for a managed member. */
  @Column({ type: 'text', nullable: true })
  email: string | null;

  /** None for a managed member: without an e-mail and a password nobody can log in as them. */
  @Column({ type: 'text', nullable: true })
  passwordHash: string | null;

  @Field()
  @Column()
  displayName: string;

  @Field()
  @Column({ default: false })
  isAdmin: boolean;

  /**
   * The partner whose owner registered this member without an e-mail account (docs/accounts.md,
   * "Managed members"); cleared when its holder signs up with the e-mail of an invitation for it.
   */
  @Column({ type: 'uuid', nullable: true })
  managedByPartnerId: string | null;

  /** Tokens carry the version they were issued at; bumping it ends them all (auth/tokens.ts). */
  @Column({ type: 'int', default: 0 })
  tokenVersion: number;

  /** When the person erased their account (deleteMyAccount): the row stays for the records that point at it, naming nobody. */
  @Column({ type: 'timestamptz', nullable: true })
  erasedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
