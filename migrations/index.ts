import { Foundation1763900000000 } from './1763900000000-Foundation';
import { Demand1763900100000 } from './1763900100000-Demand';
import { Notifications1763900400000 } from './1763900400000-Notifications';

/** Every migration, oldest first. Add new ones at the end. */
export const migrations = [Foundation1763900000000, Demand1763900100000, Notifications1763900400000];
