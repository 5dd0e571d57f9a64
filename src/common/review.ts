import { registerEnumType } from 'type-graphql';

/** A secretary's (or reviewer's) decision on something waiting for review: partnerships, claims, contracts, service logs. */
export enum ReviewDecision {
  APPROVE = 'APPROVE',
  REJECT = 'REJECT',
}
registerEnumType(ReviewDecision, { name: 'ReviewDecision' });

