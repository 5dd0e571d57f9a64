import { obligationMonths } from '../src/service-hours/obligations';

// The month arithmetic of SpaceContract.obligations; the HTTP test needs the spaces domain and is the lead's.
describe('obligation months of a contract term', () => {
  it('lists each month of the term with the full promise, across a year boundary', () => {
    expect(obligationMonths(4, '2025-11-01', '2026-02-28').map(({ month, promisedSessions }) => [month, promisedSessions])).toEqual([
      ['2025-11', 4],
      ['2025-12', 4],
      ['2026-01', 4],
      ['2026-02', 4],
    ]);
  });

  it('pro-rates a partly covered first and last month by days', () => {
    const months = obligationMonths(4, '2026-01-25', '2026-03-10');
    expect(months).toEqual([
      { month: '2026-01', firstDay: '2026-01-01', lastDay: '2026-01-31', promisedSessions: 1 }, // 7/31 of 4
      { month: '2026-02', firstDay: '2026-02-01', lastDay: '2026-02-28', promisedSessions: 4 },
      { month: '2026-03', firstDay: '2026-03-01', lastDay: '2026-03-31', promisedSessions: 1 }, // 10/31 of 4
    ]);
    expect(obligationMonths(8, '2024-02-15', '2024-02-29')).toEqual([
      { month: '2024-02', firstDay: '2024-02-01', lastDay: '2024-02-29', promisedSessions: 4 }, // 15/29 of 8 in a leap year
    ]);
  });

  it('keeps to the requested range; months only partly in the range still count whole', () => {
    expect(obligationMonths(2, '2026-01-01', '2026-12-31', '2026-03-15', '2026-05-02').map((m) => m.month)).toEqual(['2026-03', '2026-04', '2026-05']);
    expect(obligationMonths(2, '2026-01-01', '2026-12-31', '2026-03-15', '2026-05-02')[0].promisedSessions).toBe(2);
    expect(obligationMonths(2, '2026-01-01', '2026-12-31', null, '2026-01-31').map((m) => m.month)).toEqual(['2026-01']);
    expect(obligationMonths(2, '2026-01-01', '2026-12-31', '2026-12-01').map((m) => m.month)).toEqual(['2026-12']);
  });

  it('is empty when the range misses the term', () => {
    expect(obligationMonths(2, '2026-01-01', '2026-06-30', '2026-07-01', '2026-08-01')).toEqual([]);
    expect(obligationMonths(2, '2026-03-01', '2026-06-30', '2025-01-01', '2026-02-28')).toEqual([]);
  });
});
