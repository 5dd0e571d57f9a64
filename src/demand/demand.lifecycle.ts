import { StateMachine } from '../common/state-machine';
import { DemandItem, DemandStatus } from './demand-item.entity';
import { Match, MatchStatus } from './match.entity';
import { OfferStatus, SupplyOffer } from './supply-offer.entity';

const { OPEN, MATCHED, FULFILLED, CANCELLED } = DemandStatus;

/** A demand item's status follows its quantities (see settleDemand); only CANCELLED is a decision. */
export const demandLifecycle = new StateMachine<DemandStatus, DemandItem>('DEMAND_ITEM', DemandItem, {
  [OPEN]: [MATCHED, CANCELLED],
  [MATCHED]: [OPEN, FULFILLED, CANCELLED],
  [FULFILLED]: [],
  [CANCELLED]: [],
});

const { PROPOSED, PENDING_REVIEW, APPROVED, REJECTED, DECLINED, WITHDRAWN } = MatchStatus;

export const matchLifecycle = new StateMachine<MatchStatus, Match>('MATCH', Match, {
  [PROPOSED]: [APPROVED, DECLINED, WITHDRAWN],
  [PENDING_REVIEW]: [APPROVED, REJECTED, WITHDRAWN],
  [APPROVED]: [MatchStatus.FULFILLED, WITHDRAWN],
  [REJECTED]: [],
  [DECLINED]: [],
  [WITHDRAWN]: [],
  [MatchStatus.FULFILLED]: [],
});

export const offerLifecycle = new StateMachine<OfferStatus, SupplyOffer>('SUPPLY_OFFER', SupplyOffer, {
  [OfferStatus.ACTIVE]: [OfferStatus.PAUSED, OfferStatus.WITHDRAWN],
  [OfferStatus.PAUSED]: [OfferStatus.ACTIVE, OfferStatus.WITHDRAWN],
  [OfferStatus.WITHDRAWN]: [],
});
