import type { PolicyTable } from './auth/policy';
import { AUTH_POLICY } from './auth/auth.policy';
import { COMMUNITIES_POLICY } from './communities/communities.policy';
import { DEMAND_POLICY } from './demand/demand.policy';
import { LINKS_POLICY } from './links/links.policy';
import { LIVE_POLICY } from './live/live.policy';
import { PARTNERS_POLICY } from './partners/partners.policy';
import { SERVICE_HOURS_POLICY } from './service-hours/service-hours.policy';
import { RESIDENTS_POLICY } from './residents/residents.policy';
import { PROJECTS_POLICY } from './projects/projects.policy';
import { RATINGS_POLICY } from './ratings/ratings.policy';
import { AGENDAS_POLICY } from './agendas/agendas.policy';
import { SPACES_POLICY } from './spaces/spaces.policy';
import { USERS_POLICY } from './users/users.policy';
import { PRIVACY_POLICY } from './privacy/privacy.policy';

/**
 * Every domain's policy table, by mutation: what test/policy-matrix.test.ts tries as every role.
 * A mutation of the schema without a row here fails that test.
 */
export const POLICY: PolicyTable = {
  ...AUTH_POLICY,
  ...USERS_POLICY,
  ...COMMUNITIES_POLICY,
  ...PARTNERS_POLICY,
  ...DEMAND_POLICY,
  ...SPACES_POLICY,
  ...SERVICE_HOURS_POLICY,
  ...RESIDENTS_POLICY,
  ...PROJECTS_POLICY,
  ...RATINGS_POLICY,
  ...AGENDAS_POLICY,
  ...LINKS_POLICY,
  ...LIVE_POLICY,
  ...PRIVACY_POLICY,
};
