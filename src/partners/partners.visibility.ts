import { INVOLVED, readable, rolesOn, SIGNED_IN, type Readable, type TypeVisibility } from '../auth/visibility';
import type { Ctx } from '../context';
import { type Partner, type Partnership, PartnershipStatus } from './partner.entity';

/*
 * Who may read what of partners and partnerships (docs/visibility.md). A partner is an
 * organisation: its name, category, description and stats are public; the people in it are not.
 */

/** Partnerships anyone may see: the standing ones and those that ended. */
export const PUBLIC_PARTNERSHIP_STATUSES: readonly PartnershipStatus[] = [PartnershipStatus.ACTIVE, PartnershipStatus.ENDED];

export const PARTNER_VISIBILITY: TypeVisibility<'members' | 'calendarUrl' | 'offers' | 'suggestedDemands'> = {
  type: 'Partner',
  scope: 'the partner itself; -',
  fields: {
    members: { roles: SIGNED_IN, hidden: 'empty list', note: 'people; their e-mails follow User.email' },
    calendarUrl: { roles: ['member'], hidden: 'null', note: 'a secret feed URL' },
    offers: { roles: SIGNED_IN, hidden: 'empty list' },
    suggestedDemands: { roles: SIGNED_IN, hidden: 'empty list' },
  },
};

export const PARTNERSHIP_VISIBILITY: TypeVisibility<'history { note by }'> = {
  type: 'Partnership',
  scope: "the partnership's partner; its community",
  rows: {
    roles: INVOLVED,
    publicWhen: 'ACTIVE or ENDED',
    hidden: 'left out of `Partner.partnerships` and `Community.partnerships`',
  },
  fields: {
    'history { note by }': { roles: INVOLVED, hidden: 'null', note: 'rejection and ending reasons, who decided' },
  },
};

export const PARTNERS_VISIBILITY = [PARTNER_VISIBILITY, PARTNERSHIP_VISIBILITY];

export async function partnerVisibility(ctx: Ctx, partner: Partner): Promise<Readable<keyof typeof PARTNER_VISIBILITY.fields>> {
  return readable(PARTNER_VISIBILITY, await rolesOn(ctx, { partnerId: partner.id }));
}

export async function partnershipVisibility(ctx: Ctx, partnership: Partnership): Promise<Readable<keyof typeof PARTNERSHIP_VISIBILITY.fields>> {
  const roles = await rolesOn(ctx, { communityId: partnership.communityId, partnerId: partnership.partnerId });
  return readable(PARTNERSHIP_VISIBILITY, roles, { rows: PUBLIC_PARTNERSHIP_STATUSES.includes(partnership.status) });
}

/** The partnerships of a list the viewer may see, in their order. */
export async function visiblePartnerships(ctx: Ctx, partnerships: Partnership[]): Promise<Partnership[]> {
  const seen = await Promise.all(partnerships.map((p) => partnershipVisibility(ctx, p)));
  return partnerships.filter((_, i) => seen[i].row);
}
