import { Foundation1763900000000 } from './1763900000000-Foundation';
import { ServiceHours1763900300000 } from './1763900300000-ServiceHours';

/** Every migration, oldest first. Add new ones at the end. */
export const migrations = [Foundation1763900000000, ServiceHours1763900300000];
