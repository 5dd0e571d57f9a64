import { Foundation1763900000000 } from './1763900000000-Foundation';
import { Demand1763900100000 } from './1763900100000-Demand';
import { ServiceHours1763900300000 } from './1763900300000-ServiceHours';
import { Notifications1763900400000 } from './1763900400000-Notifications';

/** Every migration, oldest first. Add new ones at the end. */
export const migrations = [Foundation1763900000000, Demand1763900100000, ServiceHours1763900300000, Notifications1763900400000];
