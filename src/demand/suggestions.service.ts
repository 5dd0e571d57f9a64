import { now as clockNow } from '../common/clock';
import { Field, Float, ObjectType } from 'type-graphql';
import type { Ctx } from '../context';
import { BadUserInputError } from '../errors';
import { DEFAULT_LOCALE, type Locale } from '../i18n/locale';
import { msg, t, type MessageId, type MessageValues } from '../i18n/messages';
import { byId, groupedBy, hydrate, loader } from '../common/loaders';
import { queryPrepared } from '../db/prepared';
import { localDateOf } from '../common/local-time';
import { Community } from '../communities/community.entity';
import { Partner } from '../partners/partner.entity';
import { type PartnerStats, partnerStatsLoader } from '../partners/partner-stats.service';
import { DemandItem, DemandStatus, URGENCY_RANK } from './demand-item.entity';
import { OfferCommunity, OfferStatus, SupplyOffer } from './supply-offer.entity';

@ObjectType()
export class MatchSuggestion {
  @Field(() => SupplyOffer)
  offer: SupplyOffer;

  @Field(() => Partner)
  partner: Partner;

  @Field(() => Float)
  score: number;

  @Field(() => [String])
  reasons: string[];
}

@ObjectType()
export class DemandSuggestion {
  @Field(() => DemandItem)
  demand: DemandItem;

  @Field(() => SupplyOffer, { nullable: true })
  offer: SupplyOffer | null;

  @Field(() => Float)
  score: number;

  @Field(() => [String])
  reasons: string[];
}

/** The most a suggestion list returns; also the size of the shortlist that is scored in code. */
export const SHORTLIST = 50;
/** Offers per partner read into the shortlist: its newest usable ones of the category (index order). */
const PER_PARTNER = 20;
/** Open demand items per community and category taken into a partner's shortlist (most urgent first). */
const PER_COMMUNITY_CATEGORY = 20;

/**
 * Points of each part of the score (documented in docs/demand.md); they add up to 100.
 * Candidates always share the demand's category, so every suggestion has the category points.
 */
export const WEIGHTS = { category: 15, coverage: 20, availability: 10, text: 35, rating: 10, record: 5, urgency: 5 } as const;

function checkFirst(first: number | null | undefined, fallback: number): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 0 || n > SHORTLIST) throw BadUserInputError.field('first', msg('field.betweenZeroAnd', { max: SHORTLIST }));
  return n;
}

// ---------------------------------------------------------------- text similarity

const CJK_RUN = /[\u3400-\u9fff]+/g;
const WORD = /[a-z0-9]{2,}/g;

/** Words of Latin text; characters and character pairs of Chinese text (which has no spaces). */
export function tokens(text: string): Set<string> {
  const lower = text.toLowerCase();
  const out = new Set<string>(lower.match(WORD) ?? []);
  for (const run of lower.match(CJK_RUN) ?? []) {
    const chars = [...run];
    chars.forEach((c, i) => {
      out.add(c);
      if (i + 1 < chars.length) out.add(c + chars[i + 1]);
    });
  }
  return out;
}

function dice(a: Set<string>, b: Set<string>): number {
  if (!a.size || !b.size) return 0;
  let shared = 0;
  for (const t of a) if (b.has(t)) shared++;
  return (2 * shared) / (a.size + b.size);
}

/** 0..1: how alike two titles (weight 0.6) and their full texts (0.4) are. */
export function textSimilarity(a: { title: string; description: string | null }, b: { title: string; description: string | null }): number {
  const full = (x: typeof a) => `${x.title} ${x.description ?? ''}`;
  return 0.6 * dice(tokens(a.title), tokens(b.title)) + 0.4 * dice(tokens(full(a)), tokens(full(b)));
}

// ---------------------------------------------------------------- the score

export interface Scored {
  score: number;
  reasons: string[];
}

const sameUnit = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** A date as the reader writes it, in the community's time zone. */
const day = (at: Date, zone: string) => ({ at: at.toISOString(), timeZone: zone, style: 'date' as const });

/**
 * How well `offer` meets what remains of `demand`, with the reasons in words (the reader's
 * language); with `locale` null the score alone, for candidates that may not be shown (formatting
 * the words of 50 candidates to show 5 was a sixth of a suggestion list's server time).
 */
export function scoreFit(demand: DemandItem, offer: SupplyOffer, stats: PartnerStats | null, zone: string, withUrgency: boolean, locale: Locale | null = DEFAULT_LOCALE): Scored {
  const reasons: string[] = [];
  const reason = (id: MessageId, values?: MessageValues) => {
    if (locale) reasons.push(t(locale, id, values));
  };
  reason('reason.sameCategory', { category: { msg: 'demandCategory', values: { category: demand.category } } });
  let score = WEIGHTS.category;

  const needed = Math.max(1, demand.remainingQuantity);
  if (sameUnit(demand.unit, offer.unit)) {
    const coverage = Math.min(1, offer.remainingQuantity / needed);
    score += WEIGHTS.coverage * coverage;
    if (coverage >= 1) reason('reason.coversAll', { needed, unit: demand.unit });
    else reason('reason.coversPart', { offered: offer.remainingQuantity, needed, unit: demand.unit });
  } else {
    // Units that differ cannot be compared: half the coverage points, and say so.
    score += WEIGHTS.coverage * 0.5;
    reason('reason.otherUnit', { offered: offer.unit, needed: demand.unit });
  }

  let availability = 1;
  if (!offer.availableUntil) reason('reason.noEndDate');
  else if (!demand.neededBy) reason('reason.availableUntil', { until: day(offer.availableUntil, zone) });
  // Available on the needed-by day (in the community's zone) counts as in time.
  else if (localDateOf(offer.availableUntil, zone) >= demand.neededBy) reason('reason.availablePastNeededBy', { until: day(offer.availableUntil, zone) });
  else {
    availability = 0.4;
    reason('reason.availableBeforeNeededBy', { until: day(offer.availableUntil, zone), neededBy: { day: demand.neededBy } });
  }
  score += WEIGHTS.availability * availability;

  const similarity = textSimilarity(demand, offer);
  score += WEIGHTS.text * similarity;
  if (similarity >= 0.15) reason('reason.similarWording', { percent: Math.round(similarity * 100) });
  else if (similarity < 0.05) reason('reason.littleInCommon');

  const rating = stats?.averageRating ?? null;
  score += WEIGHTS.rating * (rating === null ? 0.5 : (rating - 1) / 4);
  if (rating !== null) reason('reason.rated', { rating: rating.toFixed(1) });

  const fulfilled = stats?.fulfilledMatches ?? 0;
  score += WEIGHTS.record * Math.min(1, fulfilled / 5);
  if (fulfilled > 0) reason('reason.fulfilled', { count: fulfilled });

  if (withUrgency) {
    score += (WEIGHTS.urgency * URGENCY_RANK[demand.urgency]) / 3;
    if (demand.urgency === 'URGENT') reason('reason.urgent');
    else if (demand.urgency === 'HIGH') reason('reason.highUrgency');
  } else {
    // Constant for one demand item: counted so both lists share one scale.
    score += (WEIGHTS.urgency * URGENCY_RANK[demand.urgency]) / 3;
  }
  return { score: Math.round(score * 100) / 100, reasons };
}

const isRow = <T>(x: T | null | Error): x is T => !!x && !(x instanceof Error);

// ---------------------------------------------------------------- suggestions for a demand item

/**
 * Per demand item (batched), a bounded shortlist of offers: for each partner ACTIVE in the item's
 * community, its PER_PARTNER newest usable offers of the item's category (an ordered scan of
 * supply_offer_usable_idx that stops early, so a partner's pool size does not matter), then the
 * best SHORTLIST of those by pg_trgm similarity of the CJK-spaced texts plus coverage. Cost grows
 * with the community's partners, not with the pool. The offers the item already holds live matches
 * on are read once per item (`taken`), not probed per candidate.
 */
function shortlistLoader(ctx: Ctx) {
  return loader<string, SupplyOffer[]>(ctx, 'demandSuggestionShortlist', async (demandIds) => {
    // The offers' whole rows: their heap pages are read here anyway, and reading them again by id
    // cost a statement and an index page per offer (not in memory at scale 10).
    const rows = await queryPrepared<Record<string, unknown> & { demand_id: string }>(
      ctx.db,
      `SELECT d.id AS demand_id, c.*
         FROM demand_item d
         CROSS JOIN LATERAL (
           SELECT coalesce(array_agg(m.offer_id), '{}') AS ids
             FROM demand_match m
            WHERE m.demand_id = d.id AND m.offer_id IS NOT NULL AND m.status IN ('PROPOSED', 'PENDING_REVIEW', 'APPROVED')) taken
         CROSS JOIN LATERAL (
           SELECT o.*
             FROM partnership ps
             CROSS JOIN LATERAL (
               SELECT o.*
                 FROM supply_offer o
                WHERE o.partner_id = ps.partner_id AND o.category = d.category AND o.status = 'ACTIVE'
                  AND o.held_quantity < o.quantity
                  AND (o.available_until IS NULL OR o.available_until > $2)
                  AND (o.all_communities OR EXISTS (
                        SELECT 1 FROM offer_community oc WHERE oc.offer_id = o.id AND oc.community_id = d.community_id))
                  AND o.id <> ALL (taken.ids)
                ORDER BY o.created_at DESC, o.id
                LIMIT ${PER_PARTNER}) o
            WHERE ps.community_id = d.community_id AND ps.status = 'ACTIVE'
            ORDER BY similarity(o.search_grams, cjk_spaced(d.search_text))
                     + least(1.0, (o.quantity - o.held_quantity)::float8 / greatest(1, d.quantity - d.matched_quantity)) DESC, o.id
            LIMIT ${SHORTLIST}) c
        WHERE d.id = ANY($1::uuid[]) AND d.status = 'OPEN'`,
      [demandIds, clockNow()],
    );
    const offers = hydrate(ctx, SupplyOffer, rows);
    const known = byId(ctx, SupplyOffer);
    const groups = new Map<string, SupplyOffer[]>(demandIds.map((id) => [id, []]));
    offers.forEach((offer, i) => {
      known.prime(offer.id, offer);
      groups.get(rows[i].demand_id)?.push(offer);
    });
    return demandIds.map((id) => groups.get(id) ?? []);
  });
}

/** Offers that could meet what remains of the demand item, best first, with reasons. */
export async function suggestionsFor(ctx: Ctx, demand: DemandItem, firstArg: number | null | undefined): Promise<MatchSuggestion[]> {
  const first = checkFirst(firstArg, 5);
  if (demand.status !== DemandStatus.OPEN || first === 0) return [];
  const offers = await shortlistLoader(ctx).load(demand.id);
  if (!offers.length) return [];
  const partnerIds = [...new Set(offers.map((o) => o.partnerId))];
  const [partners, stats, community] = await Promise.all([
    byId(ctx, Partner).loadMany(partnerIds),
    partnerStatsLoader(ctx).loadMany(partnerIds),
    byId(ctx, Community).load(demand.communityId),
  ]);
  const partnerById = new Map(partners.filter(isRow).map((p) => [p.id, p]));
  const statsById = new Map(partnerIds.map((id, i) => [id, isRow(stats[i]) ? (stats[i] as PartnerStats) : null]));
  const zone = community?.timezone ?? 'Asia/Shanghai';
  const fit = (offer: SupplyOffer, locale: Locale | null) => scoreFit(demand, offer, statsById.get(offer.partnerId) ?? null, zone, false, locale);
  return offers
    .filter((o) => partnerById.has(o.partnerId))
    .map((offer) => ({ offer, score: fit(offer, null).score }))
    .sort((a, b) => b.score - a.score || b.offer.remainingQuantity - a.offer.remainingQuantity || a.offer.id.localeCompare(b.offer.id))
    .slice(0, first)
    .map(({ offer }) => ({ offer, partner: partnerById.get(offer.partnerId)!, ...fit(offer, ctx.locale) }));
}

// ---------------------------------------------------------------- suggestions for a partner

/**
 * Open demand items in the partner's ACTIVE communities that one of its usable offers fits, each
 * with the offer that fits best. Bounded: the partner's 100 newest usable offers, and per community
 * and category the PER_COMMUNITY_CATEGORY most urgent open items it holds no live match on.
 */
/** Each partner's 100 newest usable offers, for every partner of the request in one statement. */
function usableOffersOf(ctx: Ctx) {
  return loader<string, SupplyOffer[]>(ctx, 'usableOffersOfPartner', async (partnerIds) => {
    const raw = await queryPrepared(
      ctx.db,
      `SELECT o.*
         FROM unnest($1::uuid[]) AS p(id)
         CROSS JOIN LATERAL (
           SELECT x.* FROM supply_offer x
            WHERE x.partner_id = p.id AND x.status = $2 AND x.held_quantity < x.quantity
              AND (x.available_until IS NULL OR x.available_until > $3)
            ORDER BY x.created_at DESC
            LIMIT 100) o`,
      [partnerIds, OfferStatus.ACTIVE, clockNow()],
    );
    const offers = hydrate(ctx, SupplyOffer, raw);
    return partnerIds.map((id) => offers.filter((o) => o.partnerId === id));
  });
}

/**
 * For each partner: per ACTIVE community and per category of its usable offers, the
 * PER_COMMUNITY_CATEGORY most urgent OPEN items it holds no live match on; the SHORTLIST first.
 * One statement for every partner of the request.
 */
function openDemandShortlistOf(ctx: Ctx) {
  return loader<string, { id: string }[]>(ctx, 'openDemandShortlistOfPartner', async (partnerIds) => {
    const pairs = (await usableOffersOf(ctx).loadMany(partnerIds)).flatMap((offers, i) =>
      offers instanceof Error ? [] : [...new Set(offers.map((o) => o.category))].map((category) => [partnerIds[i], category] as const),
    );
    if (!pairs.length) return partnerIds.map(() => []);
    const rows = await queryPrepared<{ partner_id: string; id: string }>(
      ctx.db,
      `SELECT p.partner_id, d.id
         FROM unnest($1::uuid[], $2::text[]) AS p(partner_id, category)
         JOIN partnership ps ON ps.partner_id = p.partner_id AND ps.status = 'ACTIVE'
         CROSS JOIN LATERAL (
           SELECT d.id, d.urgency_rank, d.created_at
             FROM demand_item d
            WHERE d.community_id = ps.community_id AND d.category = p.category AND d.status = 'OPEN'
              AND NOT EXISTS (
                    SELECT 1 FROM demand_match m
                     WHERE m.demand_id = d.id AND m.partner_id = p.partner_id AND m.status IN ('PROPOSED', 'PENDING_REVIEW', 'APPROVED'))
            ORDER BY d.urgency_rank DESC, d.created_at, d.id
            LIMIT ${PER_COMMUNITY_CATEGORY}) d
        ORDER BY p.partner_id, d.urgency_rank DESC, d.created_at, d.id`,
      [pairs.map(([partner]) => partner), pairs.map(([, category]) => category)],
    );
    return partnerIds.map((id) => rows.filter((r) => r.partner_id === id).slice(0, SHORTLIST));
  });
}

export async function suggestedDemandsFor(ctx: Ctx, partnerId: string, firstArg: number | null | undefined): Promise<DemandSuggestion[]> {
  const first = checkFirst(firstArg, 10);
  if (first === 0) return [];
  const offers = await usableOffersOf(ctx).load(partnerId);
  if (!offers.length) return [];
  const rows = await openDemandShortlistOf(ctx).load(partnerId);
  if (!rows.length) return [];
  const limited = offers.filter((o) => !o.allCommunities).map((o) => o.id);
  const [demands, listed, stats] = await Promise.all([
    byId(ctx, DemandItem).loadMany(rows.map((r) => r.id)),
    groupedBy(ctx, OfferCommunity, 'offerId').loadMany(limited),
    partnerStatsLoader(ctx).load(partnerId),
  ]);
  const communitiesOf = new Map(limited.map((id, i) => [id, new Set(isRow(listed[i]) ? (listed[i] as OfferCommunity[]).map((l) => l.communityId) : [])]));
  const open = demands.filter(isRow);
  const zones = await byId(ctx, Community).loadMany([...new Set(open.map((d) => d.communityId))]);
  const zoneOf = new Map(zones.filter(isRow).map((c) => [c.id, c.timezone]));

  const fit = (demand: DemandItem, offer: SupplyOffer, locale: Locale | null) =>
    scoreFit(demand, offer, stats, zoneOf.get(demand.communityId) ?? 'Asia/Shanghai', true, locale);
  const best: { demand: DemandItem; offer: SupplyOffer; score: number }[] = [];
  for (const demand of open) {
    let found: (typeof best)[number] | null = null;
    for (const offer of offers) {
      if (offer.category !== demand.category) continue;
      if (!offer.allCommunities && !communitiesOf.get(offer.id)?.has(demand.communityId)) continue;
      const { score } = fit(demand, offer, null);
      if (!found || score > found.score) found = { demand, offer, score };
    }
    if (found) best.push(found);
  }
  // The words for the ones shown only.
  return best
    .sort((a, b) => b.score - a.score || a.demand.createdAt.getTime() - b.demand.createdAt.getTime())
    .slice(0, first)
    .map(({ demand, offer }) => ({ demand, offer, ...fit(demand, offer, ctx.locale) }));
}
