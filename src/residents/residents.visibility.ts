import { readable, rolesOn, type Readable, type Role, type TypeVisibility } from '../auth/visibility';
import type { Ctx } from '../context';
import { readerId, viewerRoles } from '../auth/policy';
import type { Residency } from './residency.entity';
import type { VolunteerRecord } from './volunteer-record.service';
import { RequestStatus, type ResidentRequest } from './resident-request.entity';

/*
 * Who may read what of residents (docs/visibility.md). Where a person lives is theirs: only they,
 * the community's secretaries (who verify it) and admins see a residency.
 */

export const RESIDENCY_VISIBILITY: TypeVisibility<never> = {
  type: 'Residency',
  scope: '-; its community (the resident themself: "self")',
  rows: { roles: ['self', 'secretary', 'admin'], hidden: 'left out of `User.residencies`', note: 'the resident themself too' },
  fields: {},
};

export async function residencyVisibility(ctx: Ctx, residency: Residency): Promise<Readable<never>> {
  return readable(RESIDENCY_VISIBILITY, await rolesOn(ctx, { communityId: residency.communityId, userId: residency.userId }));
}

/** The residencies of a list the viewer may see, in their order. */
export async function visibleResidencies(ctx: Ctx, residencies: Residency[]): Promise<Residency[]> {
  const seen = await Promise.all(residencies.map((r) => residencyVisibility(ctx, r)));
  return residencies.filter((_, i) => seen[i].row);
}

/** Requests anyone may see: those on the demand list (accepted and later); submitted and declined ones stay private. */
export const PUBLIC_REQUEST_STATUSES: readonly RequestStatus[] = [RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS, RequestStatus.AWAITING_INSPECTION, RequestStatus.RESOLVED];

const PRIVATE: readonly Role[] = ['self', 'secretary', 'admin'];

export const RESIDENT_REQUEST_VISIBILITY: TypeVisibility<'requester' | 'building' | 'declineReason' | 'history { note by }' | 'rating { comment }'> = {
  type: 'ResidentRequest',
  scope: '-; its community (the requester: "self")',
  rows: {
    roles: PRIVATE,
    publicWhen: 'ACCEPTED, IN_PROGRESS, AWAITING_INSPECTION or RESOLVED',
    hidden: 'null from `residentRequest`, left out of `residentRequests`',
    note: 'the requester too',
  },
  fields: {
    requester: { roles: PRIVATE, hidden: 'null', note: 'the requester too' },
    building: { roles: PRIVATE, hidden: 'null', note: 'where a person lives; the requester too' },
    declineReason: { roles: PRIVATE, hidden: 'null', note: 'the requester too' },
    'history { note by }': { roles: PRIVATE, hidden: 'null', note: 'the requester too' },
    'rating { comment }': { roles: PRIVATE, hidden: 'null', note: "the requester's own words; the score is public" },
  },
};

/** A person's record as a volunteer is theirs and their communities': figures, but about one person. */
export const VOLUNTEER_RECORD_VISIBILITY: TypeVisibility<never> = {
  type: 'VolunteerRecord',
  scope: '-; the communities the person volunteered in (a claim of their own or a service log there; the person themself: "self")',
  rows: { roles: ['self', 'secretary', 'admin'], hidden: 'null from `User.volunteerRecord`', note: 'the person themself too' },
  fields: {},
};

export const RESIDENTS_VISIBILITY = [RESIDENCY_VISIBILITY, RESIDENT_REQUEST_VISIBILITY, VOLUNTEER_RECORD_VISIBILITY];

export async function requestVisibility(ctx: Ctx, request: ResidentRequest): Promise<Readable<keyof typeof RESIDENT_REQUEST_VISIBILITY.fields>> {
  const roles = await rolesOn(ctx, { communityId: request.communityId, userId: request.requesterId });
  return readable(RESIDENT_REQUEST_VISIBILITY, roles, { rows: PUBLIC_REQUEST_STATUSES.includes(request.status) });
}

/** Whether the viewer may read this person's record: they themself, an admin, or a secretary of a community they volunteered in. */
export async function volunteerRecordVisibility(ctx: Ctx, userId: string, record: VolunteerRecord): Promise<Readable<never>> {
  const secretaryOf = readerId(ctx) ? (await viewerRoles(ctx)).secretaryOf : new Set<string>();
  const communityId = record.servedIn.find((c) => secretaryOf.has(c)) ?? null;
  return readable(VOLUNTEER_RECORD_VISIBILITY, await rolesOn(ctx, { communityId, userId }));
}
