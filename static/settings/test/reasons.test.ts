import { REASONS } from '../../../src/core/reasons';
import { REASON_TEXT, reasonInWords } from '../src/lib/reasons';

describe("the page's copy of the reasons", () => {
  it('names every backend reason with the same words', () => {
    expect(REASON_TEXT).toEqual(REASONS);
  });

  it("prefers the backend's words, then the page's, then the bare name", () => {
    expect(reasonInWords('snoozed', 'held for a test')).toBe('Held for a test');
    expect(reasonInWords('snoozed')).toBe('The rule or branch is snoozed');
    expect(reasonInWords('some-new-reason')).toBe('Some-new-reason');
    expect(reasonInWords(undefined)).toBeNull();
  });
});
