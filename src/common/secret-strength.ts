import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import { msg, type Msg } from '../i18n/messages';

/*
 * How guessable a secret is (zxcvbn-ts): new passwords (auth/passwords.ts) and the production
 * secrets in config.ts. Here, below the domains, because configuration needs it too.
 */

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
/**
 * zxcvbn's score (0-4) a new password needs: 3 is "safely unguessable: moderate protection from an
 * offline slow-hash attack" (bcrypt here). `password1` scores 0, `demo2026` 1, `secret-pass-1` 3.
 */
export const PASSWORD_MIN_SCORE = 3;

/** The strength estimator with the language-neutral dictionaries (common passwords, names, keyboard patterns). */
let estimator: ZxcvbnFactory | undefined;
function strength() {
  estimator ??= new ZxcvbnFactory({ dictionary: { ...dictionary }, graphs: adjacencyGraphs });
  return estimator;
}

/** zxcvbn's estimate of the guesses an attacker needs, as log10, and its score. */
export function estimate(secret: string, userInputs: string[] = []): { score: number; guessesLog10: number; warning: string | null } {
  const result = strength().check(secret, userInputs);
  return { score: result.score, guessesLog10: result.guessesLog10, warning: result.feedback.warning };
}

/**
 * Why a new password is too weak (a catalogue message, src/i18n), or null if it will do.
 * `userInputs` (the e-mail, the display name) count as known to an attacker. Only new passwords are
 * checked (signUp, changePassword); logging in with an older, weaker one still works.
 */
export function passwordWeakness(password: string, userInputs: string[] = []): Msg | null {
  if (password.length < PASSWORD_MIN_LENGTH) return msg('password.tooShort', { min: PASSWORD_MIN_LENGTH });
  if (password.length > PASSWORD_MAX_LENGTH) return msg('password.tooLong', { max: PASSWORD_MAX_LENGTH });
  const { score, warning } = estimate(password, userInputs.filter(Boolean));
  // zxcvbn-ts gives warning keys; 'password.tooEasy' says the ones worth saying (others: none).
  if (score < PASSWORD_MIN_SCORE) return msg('password.tooEasy', { warning: warning ?? 'none' });
  return null;
}
