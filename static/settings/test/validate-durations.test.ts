/** The settings page checks durations with the backend's own parser and bounds (src/core/rules/durations.ts). */
import { durationProblem } from '../src/lib/validate';

test('accepts what a save accepts, and nothing else', () => {
  expect(durationProblem('4h', 'remindEvery')).toBeNull();
  expect(durationProblem('90m', 'remindEvery')).toBeNull();
  expect(durationProblem('30s', 'groupWait')).toBeNull();
  expect(durationProblem('', 'groupWait')).toBeNull();
  // The backend refuses combined durations: so does the page (it accepted "1h30m" before).
  expect(durationProblem('1h30m', 'remindEvery')).toMatch(/one number and one unit/);
  // Bounds: reminders at least every 5 minutes, at most weekly; grouping at most 10 minutes.
  expect(durationProblem('1m', 'remindEvery')).toMatch(/between 5m and 7d/);
  expect(durationProblem('1h', 'groupWait')).toMatch(/between 0s and 10m/);
});
