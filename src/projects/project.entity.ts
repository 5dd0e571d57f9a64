import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { LocalDateScalar, localDateColumn } from '../common/scalars';

export enum ProjectStatus {
  PROPOSED = 'PROPOSED',
  APPROVED = 'APPROVED',
  IN_PROGRESS = 'IN_PROGRESS',
  COMPLETED = 'COMPLETED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(ProjectStatus, {
  name: 'ProjectStatus',
  valuesConfig: {
    PROPOSED: { description: "Waiting for the secretary's review; seen by its lead, the secretaries and admins only." },
    APPROVED: { description: 'Approved and public; no progress posted yet.' },
    IN_PROGRESS: { description: 'At least one progress update posted.' },
    COMPLETED: { description: 'Done, with a summary (100 %).' },
    CANCELLED: { description: 'Rejected at review (private, like a proposal) or cancelled later with a reason (public).' },
  },
});

/**
 * A community project (项目清单: 微改造, 睦邻项目), issue #15: led by a partner (`leadPartnerId`) or
 * by a person (`leadUserId`), never both. Its status moves only through `projectLifecycle`
 * (projects.lifecycle.ts), which keeps its history; `progressPercent` follows its latest update.
 */
@ObjectType({ description: 'A community project (项目清单: 微改造, 睦邻项目) led by a partner or a person, with public progress.' })
@Entity()
export class Project {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  communityId: string;

  @Field()
  @Column('text')
  title: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Field(() => ProjectStatus)
  @Column('text')
  status: ProjectStatus;

  @Column({ type: 'uuid', nullable: true })
  leadPartnerId: string | null;

  @Column({ type: 'uuid', nullable: true })
  leadUserId: string | null;

  @Column('uuid')
  proposedBy: string;

  @Field(() => LocalDateScalar, { nullable: true })
  @Column({ type: 'date', nullable: true, transformer: localDateColumn })
  startDate: string | null;

  @Field(() => LocalDateScalar, { nullable: true })
  @Column({ type: 'date', nullable: true, transformer: localDateColumn })
  endDate: string | null;

  @Field(() => Int)
  @Column('int', { default: 0 })
  progressPercent: number;

  /** Set once, when the secretary approves it: from then on the project is public, whatever follows. */
  @Column({ type: 'timestamptz', nullable: true })
  approvedAt: Date | null;

  @Field(() => String, { nullable: true, description: "The lead's closing summary, once COMPLETED." })
  @Column({ type: 'text', nullable: true })
  summary: string | null;

  @Field(() => String, { nullable: true, description: "Why it was rejected at review or cancelled (a rejection: its lead, the community's secretaries and admins only, like the project)." })
  @Column({ type: 'text', nullable: true })
  cancelReason: string | null;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

/** One progress report on a project: its text is the note (why, also when the percent goes down). */
@ObjectType()
@Entity()
export class ProjectUpdate {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  communityId: string;

  @Column('uuid')
  projectId: string;

  @Column('uuid')
  authorId: string;

  /** The lead partner, when one of its members wrote it: the partner speaks (authorName), not the person. */
  @Column({ type: 'uuid', nullable: true })
  asPartnerId: string | null;

  @Field()
  @Column('text')
  text: string;

  @Field(() => Int, { description: '0-100' })
  @Column('int')
  progressPercent: number;

  @Field(() => Int, { description: 'The percent before this update; when higher than progressPercent, the text is why the progress went down.' })
  @Column('int')
  previousPercent: number;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

/** A demand item of the same community that a project answers. */
@Entity()
export class ProjectDemand {
  @PrimaryColumn('uuid')
  projectId: string;

  @PrimaryColumn('uuid')
  demandId: string;

  @Column('uuid')
  communityId: string;
}
