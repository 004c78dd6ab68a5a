import { bodySnippet, classifyHttp, headerValue, parseRetryAfter } from '../../../src/core/delivery/http-status';

const res = (status: number, headers: Record<string, string> = {}, body = '') => ({ status, headers, body });

describe('classifyHttp', () => {
  test.each([200, 201, 202, 204, 299])('%s delivered', (status) => {
    expect(classifyHttp(res(status))).toEqual({ kind: 'delivered' });
  });

  test.each([408, 425, 429, 500, 502, 503, 504, 599])('%s retry', (status) => {
    expect(classifyHttp(res(status)).kind).toBe('retry');
  });

  test('410 disables', () => {
    expect(classifyHttp(res(410, {}, 'gone'))).toEqual({ kind: 'disable', reason: 'HTTP 410: gone (endpoint gone)' });
  });

  test.each([400, 401, 403, 404, 405, 413, 422, 301, 302])('%s failed', (status) => {
    const outcome = classifyHttp(res(status, {}, 'nope'));
    expect(outcome).toEqual({ kind: 'failed', reason: `HTTP ${status}: nope` });
  });

  test('Retry-After in seconds becomes afterMs', () => {
    expect(classifyHttp(res(429, { 'Retry-After': '120' }))).toEqual({ kind: 'retry', reason: 'HTTP 429', afterMs: 120_000 });
    expect(classifyHttp(res(503, { 'retry-after': '0' }))).toMatchObject({ afterMs: 0 });
  });

  test('Retry-After as an HTTP-date, measured from the Date header or the caller clock', () => {
    const headers = { 'Retry-After': 'Wed, 21 Oct 2026 07:28:30 GMT', Date: 'Wed, 21 Oct 2026 07:28:00 GMT' };
    expect(classifyHttp(res(503, headers))).toMatchObject({ kind: 'retry', afterMs: 30_000 });
    const noDate = { 'Retry-After': 'Wed, 21 Oct 2026 07:28:30 GMT' };
    expect(classifyHttp(res(503, noDate))).toEqual({ kind: 'retry', reason: 'HTTP 503' });
    expect(classifyHttp(res(503, noDate), Date.parse('2026-10-21T07:28:20Z'))).toMatchObject({ afterMs: 10_000 });
  });

  test('a date in the past means now; garbage is ignored', () => {
    expect(parseRetryAfter({ 'retry-after': 'Wed, 21 Oct 2026 07:00:00 GMT', date: 'Wed, 21 Oct 2026 08:00:00 GMT' })).toBe(0);
    expect(parseRetryAfter({ 'retry-after': 'soon' })).toBeUndefined();
    expect(parseRetryAfter({})).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': '1.5' })).toBe(1_500);
  });
});

describe('helpers', () => {
  test('headerValue ignores case', () => {
    expect(headerValue({ 'Content-Type': 'a' }, 'content-type')).toBe('a');
    expect(headerValue({}, 'x')).toBeUndefined();
  });

  test('bodySnippet removes URLs and token-like runs and keeps one short line', () => {
    const s = bodySnippet('error:\n invalid key R02Fk7Qm9Zr4Tv8Ns3Lb6Wc1Yd5Fg0Jh at https://hooks.slack.com/services/T/B/X');
    expect(s).toBe('error: invalid key … at <url>');
    expect(bodySnippet('x '.repeat(500)).length).toBeLessThanOrEqual(120);
  });
});
