import { Foundation1763900000000 } from './1763900000000-Foundation';
import { Notifications1763900400000 } from './1763900400000-Notifications';

/** Every migration, oldest first. Add new ones at the end. */
export const migrations = [Foundation1763900000000, Notifications1763900400000];
