/**
 * Bounded work for any rules file: a hostile import with hundreds of unknown channel names answers
 * quickly and briefly (one error per unknown name, at most 20, and short candidate lists).
 */
import { parseRulesText } from '../../../src/core/rules';

test('400 unknown channel names against 400 defined ones: a short answer in well under a second', () => {
  const defined = Array.from({ length: 400 }, (_, i) => `  - { name: channel-${i}-${'x'.repeat(20)}, type: webhook }`).join('\n');
  const uses = Array.from({ length: 400 }, (_, i) => `channel-${i}-${'y'.repeat(20)}`);
  const yaml = `version: 1\nchannels:\n${defined}\nrules:\n  - name: r\n    on: [failed]\n    channels: [${uses.join(', ')}, ${uses.join(', ')}]\n`;
  expect(yaml.length).toBeGreaterThan(30_000);
  const started = Date.now();
  const result = parseRulesText(yaml, { fileName: 'rules.yaml' });
  const ms = Date.now() - started;
  expect(result.ok).toBe(false);
  if (result.ok) return;
  const unknown = result.error.filter((e) => /^unknown channel/.test(e.message));
  expect(unknown.length).toBe(20);
  expect(result.error.some((e) => e.message === 'and 380 more unknown channel names')).toBe(true);
  expect(JSON.stringify(result.error).length).toBeLessThan(100_000);
  expect(unknown[0]!.message).toMatch(/and 390 more/);
  expect(ms).toBeLessThan(1000);
});
