import { StateMachine } from '../common/state-machine';
import { Booking, BookingStatus } from './booking.entity';

export const bookingLifecycle = new StateMachine<BookingStatus, Booking>('BOOKING', Booking, {
  [BookingStatus.CONFIRMED]: [BookingStatus.CANCELLED],
  [BookingStatus.CANCELLED]: [],
});
