import { Foundation1763900000000 } from './1763900000000-Foundation';

/** Every migration, oldest first. Add new ones at the end. */
export const migrations = [Foundation1763900000000];
