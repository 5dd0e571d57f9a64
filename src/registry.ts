import { migrations } from '../migrations';
import { StatusChange } from './common/status-change.entity';
import { Community, CommunitySecretary } from './communities/community.entity';
import { Room } from './communities/room.entity';
import { DemandItem } from './demand/demand-item.entity';
import { Evaluation, Match } from './demand/match.entity';
import { OfferCommunity, SupplyOffer } from './demand/supply-offer.entity';
import { Notification } from './live/notification.entity';
import { Partner, PartnerMember, Partnership } from './partners/partner.entity';
import { PartnerInvitation } from './partners/partner-invitation.entity';
import { Booking } from './spaces/booking.entity';
import { SpaceContract } from './spaces/space-contract.entity';
import { ServiceLog } from './service-hours/service-log.entity';
import { User } from './users/user.entity';
import { Residency } from './residents/residency.entity';
import { ResidentRequest } from './residents/resident-request.entity';
import { Project, ProjectDemand, ProjectUpdate } from './projects/project.entity';
import { RatingRound } from './ratings/rating-round.entity';
import { AgendaItem, Opinion } from './agendas/agenda-item.entity';

/**
 * What the database holds, registered at the top so that db/ knows no domain: every TypeORM entity
 * (a new domain adds its entities here) and every migration (migrations/index.ts, oldest first).
 * Passed to `createDataSource(config, log, { ...registry })`.
 */
export const entities = [User, Community, CommunitySecretary, Room, Partner, PartnerMember, PartnerInvitation, Partnership, StatusChange, DemandItem, SupplyOffer, OfferCommunity, Match, Evaluation, SpaceContract, Booking, ServiceLog, Notification, Residency, ResidentRequest, Project, ProjectUpdate, ProjectDemand, RatingRound, AgendaItem, Opinion];

export { migrations };

export const registry = { entities, migrations };
