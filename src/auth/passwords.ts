import bcrypt from 'bcryptjs';

export { estimate, passwordWeakness, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PASSWORD_MIN_SCORE } from '../common/secret-strength';

export const hashPassword = (password: string, rounds: number) => bcrypt.hash(password, rounds);
/**
 * bcrypt comparisons this process made, by cost. logIn must do the same work whether or not the
 * e-mail has an account (one comparison at the configured cost), and tests check that by count
 * rather than by timing.
 */
export const passwordComparisons = new Map<number, number>();

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  const cost = bcrypt.getRounds(hash);
  passwordComparisons.set(cost, (passwordComparisons.get(cost) ?? 0) + 1);
  return bcrypt.compare(password, hash);
}
