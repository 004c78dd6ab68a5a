/** The log tail people see: escapes gone, secrets masked, the error kept in view, bounded. */
import { LOG_TAIL_LIMITS, maskSecrets, processLogTail, stepDurationSeconds, stripAnsi } from '../../../src/core/log-tail';

const tail = (text: string, startsMidway = false) => processLogTail(text, { startsMidway });

describe('stripAnsi and control characters', () => {
  it('removes colour codes, cursor moves, OSC titles and hyperlinks', () => {
    expect(stripAnsi('\u001b[1;31merror\u001b[0m: \u001b[2Kboom')).toBe('error: boom');
    expect(stripAnsi('\u001b]0;title\u0007done \u001b]8;;https://x.example\u001b\\link\u001b]8;;\u001b\\')).toBe('done link');
  });

  it('keeps what a progress bar showed last, expands tabs and drops other control characters', () => {
    expect(tail('Downloading 10%\rDownloading 50%\rDownloading 100%\nnext\tcol\u0007')).toEqual({ lines: ['Downloading 100%', 'next    col'], truncated: false });
  });
});

describe('maskSecrets', () => {
  it.each([
    ['Authorization: Bearer abc.def.ghi', 'Authorization: ***'],
    ['curl -H "authorization: Basic dXNlcjpwYXNz"', 'curl -H "authorization: ***"'],
    ['password=hunter22 user=ada', 'password=*** user=ada'],
    ['DB_PASSWORD: "s3cr3t!!"', 'DB_PASSWORD: "***"'],
    ['export GITHUB_TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ', 'export GITHUB_TOKEN=***'],
    ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_secret_access_key = ***'],
    ['key AKIAIOSFODNN7EXAMPLE used', 'key *** used'],
    ['secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY end', 'secret *** end'],
    ['git clone https://x-token-auth:abc123@bitbucket.org/acme/api.git', 'git clone https://***@bitbucket.org/acme/api.git'],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'jwt ***'],
    ['slack xoxb-123456789012-abcdefghijkl', 'slack ***'],
    ['deploy --password hunter22 --user ada', 'deploy --password *** --user ada'],
    ['sent Bearer 9f8e7d6c5b4a39281706', 'sent Bearer ***'],
  ])('%s', (input, expected) => {
    expect(maskSecrets(input)).toBe(expected);
  });

  it('leaves ordinary log text alone (hashes, prose, syntax errors)', () => {
    for (const line of [
      'HEAD is now at 7f3c2a9e1b4d5c6f8a0b1c2d3e4f5a6b7c8d9e0f Fix flaky test',
      'Basic authentication failed for user ada',
      "SyntaxError: Unexpected token: }",
      'Tests: 3 failed, 120 passed',
    ]) expect(maskSecrets(line)).toBe(line);
  });
});

describe('processLogTail', () => {
  it('keeps the last 20 lines and says earlier ones were left out', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    const out = tail(lines.join('\n'));
    expect(out!.lines).toEqual(lines.slice(10));
    expect(out!.truncated).toBe(true);
  });

  it('drops the partial first line of a ranged read', () => {
    expect(tail('ial line\nwhole line\nlast', true)).toEqual({ lines: ['whole line', 'last'], truncated: true });
  });

  it('ends at the error when the log ends with Bitbucket cleanup noise (whose summary mentions "failures")', () => {
    const log = [
      '+ npm test',
      'FAIL src/checkout.test.ts',
      '  ● checkout retries › waits between attempts',
      '    expected 3 calls, got 1',
      '',
      'Searching for test report files in directories named [test-results, failsafe-reports] down to a depth of 4',
      'Finished scanning for test reports. Found 0 test report files.',
      'Merged test suites, total number tests is 0, with 0 failures and 0 errors.',
      '',
    ].join('\n');
    expect(tail(log)).toEqual({
      lines: ['+ npm test', 'FAIL src/checkout.test.ts', '  ● checkout retries › waits between attempts', '    expected 3 calls, got 1'],
      truncated: true,
    });
  });

  it('moves the window up to an older error line, with a few lines after it, when unrecognised output follows', () => {
    const lines = ['setup', 'Error: connect ECONNREFUSED 127.0.0.1:5432', ...Array.from({ length: 40 }, (_, i) => `teardown ${i}`)];
    const out = tail(lines.join('\n'))!;
    expect(out.lines.at(-1 - LOG_TAIL_LIMITS.afterError)).toBe('Error: connect ECONNREFUSED 127.0.0.1:5432');
    expect(out.lines[0]).toBe('setup');
    expect(out.truncated).toBe(true);
  });

  it('cuts long lines and keeps the whole tail within 2 KB', () => {
    const out = tail(Array.from({ length: 20 }, (_, i) => `${i} ${'é'.repeat(1_000)}`).join('\n'))!;
    expect(out.lines.every((l) => l.length <= LOG_TAIL_LIMITS.lineChars && l.endsWith('…'))).toBe(true);
    expect(Buffer.byteLength(out.lines.join('\n'), 'utf8')).toBeLessThanOrEqual(LOG_TAIL_LIMITS.bytes);
    expect(out.lines.length).toBeLessThan(20);
    expect(out.lines.at(-1)!.startsWith('19 ')).toBe(true);
    expect(out.truncated).toBe(true);
  });

  it('masks secrets before anything is kept', () => {
    expect(tail('npm ERR! 401 Unauthorized\nnpm_config_//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789')!.lines)
      .toEqual(['npm ERR! 401 Unauthorized', 'npm_config_//registry.npmjs.org/:_authToken=***']);
  });

  it('is null for an empty log or one of only noise and blank lines', () => {
    expect(tail('')).toBeNull();
    expect(tail('\n\n  \n')).toBeNull();
    expect(tail('Searching for test report files in directories named [test-results]\nFinished scanning for test reports. Found 0 test report files.\n')).toBeNull();
  });
});

describe('stepDurationSeconds', () => {
  it('prefers duration_in_seconds, else completed_on - started_on', () => {
    expect(stepDurationSeconds({ duration_in_seconds: 93.6, started_on: '2026-01-01T00:00:00Z', completed_on: '2026-01-01T00:10:00Z' })).toBe(94);
    expect(stepDurationSeconds({ started_on: '2026-01-01T00:00:00Z', completed_on: '2026-01-01T00:02:05.400Z' })).toBe(125);
    expect(stepDurationSeconds({ started_on: '2026-01-01T00:00:00Z' })).toBeNull();
    expect(stepDurationSeconds({ started_on: '2026-01-02T00:00:00Z', completed_on: '2026-01-01T00:00:00Z' })).toBeNull();
  });
});
