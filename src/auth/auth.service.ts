import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Ctx } from '../context';
import { BadUserInputError, ConflictError, PgErrorCode, UnauthenticatedError, pgErrorCode } from '../errors';
import { inTransaction } from '../db/transaction';
import { User } from '../users/user.entity';
import type { AuthPayload, LogInInput, SignUpInput } from './auth.inputs';
import { hashPassword, passwordWeakness, verifyPassword } from './passwords';
import { issueToken } from './tokens';

const normaliseEmail = (email: string) => email.trim().toLowerCase();

export async function signUp(ctx: Ctx, input: SignUpInput): Promise<AuthPayload> {
  const weakness = passwordWeakness(input.password);
  if (weakness) throw BadUserInputError.field('input.password', weakness);
  const displayName = input.displayName.trim();
  if (!displayName) throw BadUserInputError.field('input.displayName', 'must not be empty');
  const passwordHash = await hashPassword(input.password, ctx.config.bcryptRounds);
  try {
    const user = await inTransaction(ctx.db, (tx) =>
      tx.save(tx.create(User, { email: normaliseEmail(input.email), passwordHash, displayName, isAdmin: false })),
    );
    ctx.viewer = { userId: user.id, authError: null }; // the payload is read as the new user
    return { token: issueToken(ctx.config, user.id), user };
  } catch (error) {
    if (pgErrorCode(error) === PgErrorCode.uniqueViolation) {
      throw new ConflictError('An account with this email already exists', { fields: [{ path: 'input.email', message: 'is taken' }] });
    }
    throw error;
  }
}

export async function logIn(ctx: Ctx, input: LogInInput): Promise<AuthPayload> {
  const user = await ctx.db.getRepository(User).findOneBy({ email: normaliseEmail(input.email) });
  // One message for both cases, so the answer does not reveal which emails have accounts.
  if (!user || !(await verifyPassword(input.password, user.passwordHash))) {
    throw new UnauthenticatedError('Wrong email or password');
  }
  ctx.viewer = { userId: user.id, authError: null };
  return { token: issueToken(ctx.config, user.id), user };
}

/** Creates the configured admin account, or brings its password and flag up to date. */
export async function ensureAdmin(db: DataSource, config: Config): Promise<User> {
  const email = normaliseEmail(config.adminEmail);
  const passwordHash = await hashPassword(config.adminPassword, config.bcryptRounds);
  return inTransaction(db, async (tx) => {
    const existing = await tx.findOneBy(User, { email });
    if (existing) {
      await tx.update(User, { id: existing.id }, { passwordHash, isAdmin: true });
      return { ...existing, passwordHash, isAdmin: true };
    }
    return tx.save(tx.create(User, { email, passwordHash, displayName: 'Administrator', isAdmin: true }));
  });
}
