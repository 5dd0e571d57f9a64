import { readable, rolesOn, type Readable, type TypeVisibility } from '../auth/visibility';
import type { Ctx } from '../context';
import type { RatingRound } from './rating-round.entity';

/*
 * Who may read what of rating rounds (docs/visibility.md). A round is public, with its criteria,
 * partners, counts and (once closed) results: what the community publishes. Who sits on the panel
 * is for the community's secretaries and admins, who run it; what each panellist scored is read by
 * that panellist alone (`myBallots`), never listed for anyone else.
 */

export const RATING_ROUND_VISIBILITY: TypeVisibility<'panel' | 'myBallots'> = {
  type: 'RatingRound',
  scope: '-; its community',
  fields: {
    panel: { roles: ['secretary', 'admin'], hidden: 'empty list', note: 'a panellist reads their own ballots (`myBallots`)' },
    myBallots: { roles: ['self'], hidden: 'empty list', note: "the panellist's own scores and comments, to them alone" },
  },
};

export const RATINGS_VISIBILITY = [RATING_ROUND_VISIBILITY];

export async function roundVisibility(ctx: Ctx, round: RatingRound): Promise<Readable<keyof typeof RATING_ROUND_VISIBILITY.fields>> {
  return readable(RATING_ROUND_VISIBILITY, await rolesOn(ctx, { communityId: round.communityId }));
}
