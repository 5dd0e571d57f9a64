import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

@ObjectType()
@Entity()
export class Community {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field()
  @Column()
  name: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  district: string | null;

  @Field({ description: 'IANA time zone, default Asia/Shanghai.' })
  @Column({ default: 'Asia/Shanghai' })
  timezone: string;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

/** A user appointed secretary of a community by an admin. */
@Entity()
export class CommunitySecretary {
  @PrimaryColumn('uuid')
  communityId: string;

  @PrimaryColumn('uuid')
  userId: string;

  @Column({ type: 'uuid', nullable: true })
  appointedBy: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  appointedAt: Date;
}
