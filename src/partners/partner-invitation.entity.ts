import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { PartnerRole } from './partner.entity';

export enum InvitationStatus {
  PENDING = 'PENDING',
  ACCEPTED = 'ACCEPTED',
  DECLINED = 'DECLINED',
  REVOKED = 'REVOKED',
}
registerEnumType(InvitationStatus, { name: 'InvitationStatus' });

/**
 * An offer to join a partner, addressed to an e-mail (which may have no account yet: the
 * invitation waits for a sign-up with it). The e-mail is not exposed: the inviter typed it, the
 * invitee is the one it names.
 */
@ObjectType({ description: 'An offer to join a partner. Nobody becomes a member without accepting.' })
@Entity()
export class PartnerInvitation {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  partnerId: string;

  @Column('text')
  email: string;

  @Field(() => PartnerRole)
  @Column('text')
  role: PartnerRole;

  @Field(() => InvitationStatus)
  @Column('text')
  status: InvitationStatus;

  @Column('uuid')
  invitedBy: string;

  /** A member the partner's owner registered without an e-mail, whom the invitee takes over by signing up with the invited e-mail. */
  @Column({ type: 'uuid', nullable: true })
  managedUserId: string | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  respondedAt: Date | null;
}
