import { Foundation1763900000000 } from './1763900000000-Foundation';
import { Demand1763900100000 } from './1763900100000-Demand';
import { Spaces1763900200000 } from './1763900200000-Spaces';

/** Every migration, oldest first. Add new ones at the end. */
export const migrations = [Foundation1763900000000, Demand1763900100000, Spaces1763900200000];
