/**
 * The last meaningful lines of a failed step's log, small enough for every channel: ANSI escapes
 * stripped, progress-bar rewrites collapsed, values that look like credentials masked, long lines
 * cut, and the window moved up to the last error line when the log ends in cleanup noise
 * (Bitbucket's own "Searching for test report files…" lines, cache and artifact uploads).
 * Pure: the Bitbucket adapter feeds it the raw tail it fetched and caches the result.
 */
import type { LogTail } from './alerts/alert';

export const LOG_TAIL_LIMITS = {
  /** Bytes asked for with `Range: bytes=-N`: enough raw text for 20 lines after noise is dropped. */
  fetchBytes: 16_384,
  lines: 20,
  /** UTF-8 bytes of the kept lines joined by "\n". */
  bytes: 2_048,
  lineChars: 240,
  /** Lines kept after the error line when the window is moved up to it. */
  afterError: 5,
} as const;

const ERROR_LINE = /error|fail|exception|fatal/i;

/**
 * Lines that Bitbucket Pipelines and common tools print after the script has failed. They are
 * dropped from the end of the log, and never count as "the error line" (Bitbucket's summary
 * "Merged test suites, total number tests is 0, with 0 failures and 0 errors." matches /fail|error/).
 */
const NOISE: readonly RegExp[] = [
  /^searching for (test report|files matching)/i,
  /^finished scanning for test reports/i,
  /^merged test suites, total number tests is \d+/i,
  /^test report(s)? (not )?found/i,
  /^artifact pattern .* (matched no files|not found)/i,
  /^(skipping|uploading|compressing|downloading) (cache|artifacts?)/i,
  /^cache ".*": (skipping|uploading|downloading|not found)/i,
  /^(skipping )?(cache|artifact) upload/i,
  /^build teardown/i,
  /^(cleaning up|removing intermediate container|stopping|removing network|post job cleanup|terminating)/i,
  /^\+ ?(exit|true)\s*\d*$/i,
];

const isNoise = (line: string): boolean => line.trim() === '' || NOISE.some((re) => re.test(line.trim()));

// CSI (colours, cursor moves), OSC (titles, hyperlinks), then any other two-byte escape.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

const MASK = '***';

/**
 * Credentials in their common shapes. Bitbucket masks secured variables by itself; these catch what
 * a script printed anyway (a `curl -v`, a config dump, a token in a URL).
 */
const SECRET_PATTERNS: readonly [RegExp, string | ((...m: string[]) => string)][] = [
  // Private key blocks (one line of them, as far as a line goes).
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----.*/g, `-----BEGIN PRIVATE KEY----- ${MASK}`],
  // Authorization headers, whatever the scheme.
  [/\b((?:proxy-)?authorization)(\s*[:=]\s*)(["']?)[^\r\n"']+/gi, (_m, name, sep, q) => `${name}${sep}${q}${MASK}`],
  // Bearer/Basic credentials outside a header line; a digit tells a credential from prose ("Basic authentication failed").
  [/\b(Bearer|Basic|GenieKey)(\s+)(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{12,}/gi, (_m, scheme, sp) => `${scheme}${sp}${MASK}`],
  // URLs with user:password@ (or a token as the user).
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(?::[^\s/@]*)?@/gi, (_m, scheme) => `${scheme}${MASK}@`],
  // JSON Web Tokens.
  [/\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, MASK],
  // AWS access key ids.
  [/\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g, MASK],
  // Vendor tokens with a recognisable prefix: GitHub, Slack, Atlassian API tokens, Bitbucket app passwords, npm, Google API keys, Stripe.
  [/\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|ATATT[A-Za-z0-9_=-]{20,}|ATBB[A-Za-z0-9]{20,}|npm_[A-Za-z0-9]{30,}|AIza[0-9A-Za-z_-]{35}|[sr]k_live_[A-Za-z0-9]{16,})/g, MASK],
  // key=value and key: value for names that say "secret"; values under 4 characters are syntax ("Unexpected token: }").
  [
    /\b([A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)[A-Za-z0-9_.-]*)(["']?\s*[=:]\s*)(["']?)([^\s"',;&]{4,})/gi,
    (_m, name, sep, q) => `${name}${sep}${q}${MASK}`,
  ],
  // Command-line flags: --password hunter2, --token=abc.
  [/(--(?:password|passwd|token|secret|api-key|access-key)(?:\s+|=))([^\s"']+)/gi, (_m, flag) => `${flag}${MASK}`],
  // 40-character mixed-case base64 (AWS secret access keys); git hashes are lowercase hex and stay.
  [/(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+=]{0,39}[A-Z])(?=[A-Za-z0-9/+=]{0,39}[a-z])(?=[A-Za-z0-9/+=]{0,39}[0-9/+])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/g, MASK],
];

export function maskSecrets(line: string): string {
  let out = line;
  for (const [re, replacement] of SECRET_PATTERNS) {
    out = typeof replacement === 'string' ? out.replace(re, replacement) : out.replace(re, replacement as (...m: string[]) => string);
  }
  return out;
}

const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

function cutLine(line: string, max: number): string {
  if (line.length <= max) return line;
  let cut = max - 1;
  const code = line.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return line.slice(0, cut) + '…';
}

/** One display line per terminal line: "\r" rewrites (progress bars) keep what was shown last. */
function splitLines(text: string): string[] {
  return text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((line) => {
      const segments = line.split('\r').filter((s) => s.length > 0);
      return (segments[segments.length - 1] ?? '').replace(/\t/g, '    ').replace(CONTROL, '').trimEnd();
    });
}

export interface ProcessLogOptions {
  /** The text starts somewhere inside the log (a ranged read that did not start at byte 0): its first line is partial. */
  startsMidway: boolean;
}

/**
 * The tail worth showing, or null when nothing is left (empty log, only noise). `truncated` says the
 * log has lines that are not shown (before the window, or noise after it).
 */
export function processLogTail(raw: string, options: ProcessLogOptions): LogTail | null {
  let lines = splitLines(stripAnsi(raw));
  let truncated = options.startsMidway;
  if (options.startsMidway) lines = lines.slice(1);

  let end = lines.length;
  while (end > 0 && isNoise(lines[end - 1]!)) end -= 1;
  if (end === 0) return null;
  // Noise that is not blank lines counts as left out.
  if (lines.slice(end).some((l) => l.trim() !== '')) truncated = true;

  let errorAt = -1;
  for (let i = end - 1; i >= 0; i--) {
    if (ERROR_LINE.test(lines[i]!) && !isNoise(lines[i]!)) {
      errorAt = i;
      break;
    }
  }
  // An error line older than the last screenful: show it with a few lines after it, not the lines
  // that happen to come last (a teardown that printed no recognisable noise).
  if (errorAt >= 0 && errorAt < end - LOG_TAIL_LIMITS.lines) {
    end = Math.min(end, errorAt + 1 + LOG_TAIL_LIMITS.afterError);
    truncated = true;
  }
  let start = Math.max(0, end - LOG_TAIL_LIMITS.lines);
  if (start > 0) truncated = true;

  let window = lines.slice(start, end).map((l) => cutLine(maskSecrets(l), LOG_TAIL_LIMITS.lineChars));
  // Leading blank lines say nothing.
  while (window.length > 0 && window[0]!.trim() === '') {
    window = window.slice(1);
    start += 1;
  }
  while (window.length > 1 && byteLength(window.join('\n')) > LOG_TAIL_LIMITS.bytes) {
    window = window.slice(1);
    truncated = true;
  }
  if (window.length === 0 || window.every((l) => l.trim() === '')) return null;
  return { lines: window, truncated };
}

/** Step duration from `duration_in_seconds`, else started_on → completed_on; null when unknown. */
export function stepDurationSeconds(step: { duration_in_seconds?: unknown; started_on?: unknown; completed_on?: unknown }): number | null {
  if (typeof step.duration_in_seconds === 'number' && Number.isFinite(step.duration_in_seconds) && step.duration_in_seconds >= 0) {
    return Math.round(step.duration_in_seconds);
  }
  const started = typeof step.started_on === 'string' ? Date.parse(step.started_on) : NaN;
  const completed = typeof step.completed_on === 'string' ? Date.parse(step.completed_on) : NaN;
  if (Number.isNaN(started) || Number.isNaN(completed) || completed < started) return null;
  return Math.round((completed - started) / 1000);
}
