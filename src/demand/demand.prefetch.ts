import { fieldsRead, many, one, type Relations } from '../common/prefetch';
import { Community } from '../communities/community.entity';
import { Partner } from '../partners/partner.entity';
import { DemandItem } from './demand-item.entity';
import { Evaluation, Match } from './match.entity';
import { SupplyOffer } from './supply-offer.entity';

/*
 * What lists of demand items and matches fetch in their own statement when the query selects it
 * (see common/prefetch.ts). Each entry mirrors a field resolver in demand.resolver.ts, which answers
 * from it with `prefetched()` (same rows, same order as its loader would give).
 */

/** Match.demand, Match.partner, Match.offer, Match.evaluation. */
export const MATCH_RELATIONS: Relations = {
  demand: one(DemandItem, 'demandId'),
  partner: one(Partner, 'partnerId'),
  offer: one(SupplyOffer, 'offerId'),
  evaluation: many(Evaluation, 'matchId', {}),
};

/** The order of DemandItem.matches. */
export const MATCHES_OF_DEMAND_ORDER = { createdAt: 'ASC', id: 'ASC' } as const;

/** DemandItem.community, DemandItem.matches (and their relations). */
export const DEMAND_ITEM_RELATIONS: Relations = {
  community: one(Community, 'communityId'),
  matches: many(Match, 'demandId', MATCHES_OF_DEMAND_ORDER, MATCH_RELATIONS),
};

// The remaining quantities are computed from two columns: selecting one does not bring the whole row.
fieldsRead(DemandItem, { remainingQuantity: ['quantity', 'matchedQuantity'] });
fieldsRead(SupplyOffer, { remainingQuantity: ['quantity', 'heldQuantity'] });
