import { MASK, maskSecret, redact, redactFields } from '../../../src/core/delivery/redact';

const SLACK = 'https://hooks.slack.com/services/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';
const CHAT = 'https://chat.googleapis.com/v1/spaces/AAAAq1w2e3r/messages?key=AIzaSyDdI0hCZtE6vyS&token=Hx7Kp2Qm9Zr4Tv8Ns3Lb';

describe('redact', () => {
  test('removes plain secrets wherever they occur', () => {
    expect(redact('key=abcdef123456 and again abcdef123456', ['abcdef123456'])).toBe(`key=${MASK} and again ${MASK}`);
  });

  test('removes a secret URL, its path, its encoded form and its query values', () => {
    const text = [
      `POST ${SLACK} failed`,
      `path /services/T0AAAA1BB/B0CCCC2DD/Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2`,
      `encoded ${encodeURIComponent(SLACK)}`,
      `token Hx7Kp2Qm9Zr4Tv8Ns3Lb`,
      `chat ${CHAT.replace('messages', 'messages2')}`,
    ].join('\n');
    const out = redact(text, [SLACK, CHAT]);
    for (const leak of ['Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2', 'T0AAAA1BB', 'Hx7Kp2Qm9Zr4Tv8Ns3Lb', 'AIzaSyDdI0hCZtE6vyS', 'AAAAq1w2e3r']) {
      expect(out).not.toContain(leak);
    }
    expect(out).toContain('https://hooks.slack.com/');
    expect(out).toContain('failed');
  });

  test('ignores empty and very short values (would shred text)', () => {
    expect(redact('a b c', ['', null, undefined, 'a'])).toBe('a b c');
  });
});

describe('maskSecret', () => {
  test('shows only the last 4 characters of long values', () => {
    expect(maskSecret('R02Fk7Qm9Zr4Tv8Ns3Lb6Wc1Yd5Fg0Jh')).toBe('••••g0Jh');
  });
  test('keeps the host of URLs', () => {
    expect(maskSecret(SLACK)).toBe('https://hooks.slack.com/••••3Lk2');
  });
  test('short values show nothing', () => {
    expect(maskSecret('hunter2')).toBe('••••');
    expect(maskSecret('')).toBe('');
    expect(maskSecret(null)).toBe('');
  });
  test('redactFields masks the listed fields only', () => {
    expect(redactFields({ url: SLACK, channel: 'builds' }, ['url'])).toEqual({ url: maskSecret(SLACK), channel: 'builds' });
  });
});
