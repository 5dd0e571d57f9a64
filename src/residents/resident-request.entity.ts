import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export enum RequestKind {
  REPAIR = 'REPAIR',
  WISH = 'WISH',
  SUGGESTION = 'SUGGESTION',
  COMPLAINT = 'COMPLAINT',
}
registerEnumType(RequestKind, {
  name: 'RequestKind',
  valuesConfig: {
    REPAIR: { description: '报事报修: something broken or unsafe' },
    WISH: { description: '微心愿: a small wish a volunteer can fulfil' },
    SUGGESTION: { description: '意见建议' },
    COMPLAINT: { description: '投诉' },
  },
});

export enum RequestStatus {
  SUBMITTED = 'SUBMITTED',
  ACCEPTED = 'ACCEPTED',
  IN_PROGRESS = 'IN_PROGRESS',
  AWAITING_INSPECTION = 'AWAITING_INSPECTION',
  RESOLVED = 'RESOLVED',
  DECLINED = 'DECLINED',
}
registerEnumType(RequestStatus, {
  name: 'RequestStatus',
  valuesConfig: {
    ACCEPTED: { description: 'Triaged onto the demand list (or merged into an item already on it).' },
    IN_PROGRESS: { description: 'Someone took it on (an approved match on its demand item).' },
    AWAITING_INSPECTION: { description: "Work reported done; waiting for the secretary's inspection (验收)." },
  },
});

export enum TriageDecision {
  TO_DEMAND_LIST = 'TO_DEMAND_LIST',
  MERGE = 'MERGE',
  DECLINE = 'DECLINE',
}
registerEnumType(TriageDecision, { name: 'TriageDecision' });

/** The requester's rating of a RESOLVED request (`communityId` so that its instant is written in the community's offset). */
@ObjectType()
export class RequestRating {
  communityId: string;

  @Field(() => Int, { description: '1-5' })
  score: number;

  @Field(() => String, { nullable: true })
  comment: string | null;

  @Field()
  createdAt: Date;
}

/**
 * What a resident asks of their community (报事报修, 微心愿, 意见建议, 投诉), issue #14. Its status
 * moves only through `requestLifecycle` (residents.lifecycle.ts), which keeps its history.
 */
@ObjectType()
@Entity()
export class ResidentRequest {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  communityId: string;

  @Column('uuid')
  requesterId: string;

  @Field(() => RequestKind)
  @Column('text')
  kind: RequestKind;

  @Field()
  @Column('text')
  title: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'text', nullable: true })
  building: string | null;

  @Field(() => RequestStatus)
  @Column('text')
  status: RequestStatus;

  @Field({ description: "Shown on the public board without the requester's name when true." })
  @Column('boolean')
  anonymousOnBoard: boolean;

  @Column({ type: 'uuid', nullable: true })
  demandId: string | null;

  @Column({ type: 'text', nullable: true })
  declineReason: string | null;

  @Column({ type: 'int', nullable: true })
  ratingScore: number | null;

  @Column({ type: 'text', nullable: true })
  ratingComment: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  ratedAt: Date | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  resolvedAt: Date | null;
}
