import { StateMachine } from '../common/state-machine';
import { RatingRound, RatingRoundStatus } from './rating-round.entity';

const { OPEN, CLOSED } = RatingRoundStatus;

/**
 * A rating round (issue #15): OPEN while the panel scores; CLOSED by the secretary (or by the sweep
 * once `closesAt` has passed), which computes and freezes the results in the same transaction.
 */
export const ratingRoundLifecycle = new StateMachine<RatingRoundStatus, RatingRound>('RATING_ROUND', RatingRound, {
  [OPEN]: [CLOSED],
  [CLOSED]: [],
});
