import { Foundation1763900000000 } from './1763900000000-Foundation';
import { Demand1763900100000 } from './1763900100000-Demand';
import { Spaces1763900200000 } from './1763900200000-Spaces';
import { ServiceHours1763900300000 } from './1763900300000-ServiceHours';
import { Notifications1763900400000 } from './1763900400000-Notifications';
import { Links1763900500000 } from './1763900500000-Links';
import { CitusReady1763900600000 } from './1763900600000-CitusReady';
import { Accounts1764510000000 } from './1764510000000-Accounts';
import { IdempotencyKeys1764540000000 } from './1764540000000-IdempotencyKeys';
import { SignedLinks1764550000000 } from './1764550000000-SignedLinks';
import { Locales1764560000000 } from './1764560000000-Locales';
import { LocalNeededBy1764600000000 } from './1764600000000-LocalNeededBy';
import { Residency1764620000000 } from './1764620000000-Residency';
import { ResidentRequests1764620100000 } from './1764620100000-ResidentRequests';
import { IndividualVolunteers1764630000000 } from './1764630000000-IndividualVolunteers';
import { Projects1764705000000 } from './1764705000000-Projects';
import { Agendas1764710000000 } from './1764710000000-Agendas';
import { RatingRounds1764730000000 } from './1764730000000-RatingRounds';
import { BookingPurpose1764740000000 } from './1764740000000-BookingPurpose';
import { ManagedMembers1764760000000 } from './1764760000000-ManagedMembers';
import { PendingWork1764770000000 } from './1764770000000-PendingWork';
import { Erasure1764800000000 } from './1764800000000-Erasure';
import { PersonalExportLinks1764800100000 } from './1764800100000-PersonalExportLinks';
import { AgendaProjects1764810000000 } from './1764810000000-AgendaProjects';
import { PendingInspections1764810100000 } from './1764810100000-PendingInspections';
import { ServiceHoursRollup1764820000000 } from './1764820000000-ServiceHoursRollup';
import { RateLimitCounters1764830000000 } from './1764830000000-RateLimitCounters';
import { ReplicaReadFence1764940000000 } from './1764940000000-ReplicaReadFence';
import { ServiceHoursVolunteerRollup1764920000000 } from './1764920000000-ServiceHoursVolunteerRollup';
import { ServiceHoursMonthlyRollup1765000000000 } from './1765000000000-ServiceHoursMonthlyRollup';
import { PartnerStatsCovering1765100000000 } from './1765100000000-PartnerStatsCovering';
import { ServiceHoursVersion1765200000000 } from './1765200000000-ServiceHoursVersion';
import { ActivePartnersIndex1765300000000 } from './1765300000000-ActivePartnersIndex';
import { TimeOrderedBookingIds1765400000000 } from './1765400000000-TimeOrderedBookingIds';

/** Every migration, oldest first. Add new ones at the end (one per line, so branches merge). */
export const migrations = [
  Foundation1763900000000,
  Demand1763900100000,
  Spaces1763900200000,
  ServiceHours1763900300000,
  Notifications1763900400000,
  Links1763900500000,
  CitusReady1763900600000,
  Accounts1764510000000,
  IdempotencyKeys1764540000000,
  SignedLinks1764550000000,
  Locales1764560000000,
  LocalNeededBy1764600000000,
  Residency1764620000000,
  ResidentRequests1764620100000,
  IndividualVolunteers1764630000000,
  Projects1764705000000,
  Agendas1764710000000,
  RatingRounds1764730000000,
  BookingPurpose1764740000000,
  ManagedMembers1764760000000,
  PendingWork1764770000000,
  Erasure1764800000000,
  PersonalExportLinks1764800100000,
  AgendaProjects1764810000000,
  PendingInspections1764810100000,
  ServiceHoursRollup1764820000000,
  RateLimitCounters1764830000000,
  ReplicaReadFence1764940000000,
  ServiceHoursVolunteerRollup1764920000000,
  ServiceHoursMonthlyRollup1765000000000,
  PartnerStatsCovering1765100000000,
  ServiceHoursVersion1765200000000,
  ActivePartnersIndex1765300000000,
  TimeOrderedBookingIds1765400000000,
];
