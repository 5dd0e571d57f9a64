import { StatusChange } from '../common/status-change.entity';
import { Community, CommunitySecretary } from '../communities/community.entity';
import { Room } from '../communities/room.entity';
import { Partner, PartnerMember, Partnership } from '../partners/partner.entity';
import { Booking } from '../spaces/booking.entity';
import { SpaceContract } from '../spaces/space-contract.entity';
import { User } from '../users/user.entity';

/** Every TypeORM entity; domains add theirs here. */
export const entities = [User, Community, CommunitySecretary, Room, Partner, PartnerMember, Partnership, StatusChange, SpaceContract, Booking];
