import { Foundation1763900000000 } from './1763900000000-Foundation';
import { Spaces1763900200000 } from './1763900200000-Spaces';

/** Every migration, oldest first. Add new ones at the end. */
export const migrations = [Foundation1763900000000, Spaces1763900200000];
