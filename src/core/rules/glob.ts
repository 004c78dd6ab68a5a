/**
 * Branch and build globs, matched in time proportional to pattern × name (no backtracking).
 * picomatch compiles globs to regular expressions, and a pattern such as `*a*a*a*a*a*a*a*c` against
 * a 46-character branch took seconds (catastrophic backtracking); a saved rule pays that per event.
 * This matcher follows picomatch's semantics for the syntax rules use (checked against picomatch by
 * test/unit/rules/glob.test.ts):
 *
 * - branches: `*` matches within one path segment (a segment that is only `*` needs one character
 *   or more), `**` as a whole segment matches zero or more segments, `**` inside a segment acts as `*`;
 * - builds: `/` is an ordinary character, `*` and `**` match anything, even nothing;
 * - both: `?` one character other than `/`, `[abc]`, `[a-z]`, `[!x]`/`[^x]` classes (not `/`), `{a,b}`
 *   alternatives (at most MAX_ALTERNATIVES in all), `\` escapes the next character.
 */

export type GlobKind = 'branch' | 'build';

/** Brace expansion stops here: a pattern is refused rather than expanded without bound. */
export const MAX_ALTERNATIVES = 64;
/** Extended globs (`+(a|b)`, `@(x)`, `!(x)`, `*(x)`, `?(x)`) are not supported. */
export const EXTGLOB = /[+@!*?]\(/;

type Token =
  | { t: 'lit'; c: string }
  | { t: 'one' }
  | { t: 'star' }
  /** Build globs: the `/` after a `**` may be absent (picomatch's `**\/` matches zero directories). */
  | { t: 'optSlash' }
  | { t: 'class'; negate: boolean; ranges: [string, string][] };

/** Expands `{a,b}` (nested too); null when there would be more than MAX_ALTERNATIVES. */
export function expandBraces(pattern: string): string[] | null {
  const open = findBrace(pattern);
  if (!open) return [pattern];
  const { start, end, options } = open;
  const out: string[] = [];
  for (const option of options) {
    const rest = expandBraces(pattern.slice(0, start) + option + pattern.slice(end + 1));
    if (!rest) return null;
    out.push(...rest);
    if (out.length > MAX_ALTERNATIVES) return null;
  }
  return out;
}

/** The first top-level `{...}` with at least one top-level comma. */
function findBrace(p: string): { start: number; end: number; options: string[] } | null {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') {
      i++;
      continue;
    }
    if (p[i] !== '{') continue;
    let depth = 0;
    const cuts: number[] = [];
    for (let j = i; j < p.length; j++) {
      if (p[j] === '\\') {
        j++;
        continue;
      }
      if (p[j] === '{') depth++;
      else if (p[j] === '}') {
        depth--;
        if (depth === 0) {
          if (cuts.length === 0) break; // "{x}" is literal, as in bash
          const bounds = [i, ...cuts, j];
          const options = bounds.slice(0, -1).map((b, k) => p.slice(b + 1, bounds[k + 1]));
          return { start: i, end: j, options };
        }
      } else if (p[j] === ',' && depth === 1) cuts.push(j);
    }
  }
  return null;
}

function tokenize(segment: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '\\' && i + 1 < segment.length) {
      out.push({ t: 'lit', c: segment[++i]! });
    } else if (c === '*') {
      while (segment[i + 1] === '*') i++;
      out.push({ t: 'star' });
    } else if (c === '?') {
      out.push({ t: 'one' });
    } else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) {
        out.push({ t: 'lit', c });
        continue;
      }
      let body = segment.slice(i + 1, close);
      const negate = body[0] === '!' || body[0] === '^';
      if (negate) body = body.slice(1);
      const ranges: [string, string][] = [];
      for (let k = 0; k < body.length; k++) {
        if (body[k + 1] === '-' && k + 2 < body.length) {
          ranges.push([body[k]!, body[k + 2]!]);
          k += 2;
        } else ranges.push([body[k]!, body[k]!]);
      }
      out.push({ t: 'class', negate, ranges });
      i = close;
    } else out.push({ t: 'lit', c });
  }
  return out;
}

const tokenMatches = (tok: Token, ch: string, sep: string | null): boolean => {
  switch (tok.t) {
    case 'lit':
      return tok.c === ch;
    case 'one':
      return ch !== sep;
    case 'class': {
      if (ch === sep) return false;
      const inside = tok.ranges.some(([a, b]) => ch >= a && ch <= b);
      return tok.negate ? !inside : inside;
    }
    case 'star':
    case 'optSlash':
      return false;
  }
};

/**
 * Tokens against text, by dynamic programming over (token, position): O(tokens × length).
 * `sep`: a character `*` never matches ('/' for branch segments; null for builds). `?` and classes
 * never match '/' in either (as picomatch).
 */
function matchTokens(tokens: Token[], text: string, sep: string | null, starNeedsOne: boolean): boolean {
  let cur = new Uint8Array(text.length + 1);
  cur[0] = 1;
  for (const tok of tokens) {
    const next = new Uint8Array(text.length + 1);
    if (tok.t === 'star') {
      for (let j = 0; j <= text.length; j++) {
        next[j] = cur[j] || (j > 0 && next[j - 1] && text[j - 1] !== sep) ? 1 : 0;
      }
    } else if (tok.t === 'optSlash') {
      for (let j = 0; j <= text.length; j++) next[j] = cur[j] || (j > 0 && cur[j - 1] && text[j - 1] === '/') ? 1 : 0;
    } else {
      for (let j = 0; j < text.length; j++) if (cur[j] && tokenMatches(tok, text[j]!, '/')) next[j + 1] = 1;
    }
    cur = next;
  }
  if (starNeedsOne && text.length === 0) return false;
  return cur[text.length] === 1;
}

/** Build globs: `/` is a character, but a separator next to a whole `**` segment may be absent (`release/**` takes "release"). */
function tokenizeBuild(pattern: string): Token[] {
  const segments = pattern.split('/');
  const out: Token[] = [];
  segments.forEach((seg, i) => {
    if (i > 0) out.push(seg === '**' || segments[i - 1] === '**' ? { t: 'optSlash' } : { t: 'lit', c: '/' });
    out.push(...tokenize(seg));
  });
  return out;
}

type Segment = { globstar: true } | { globstar: false; tokens: Token[]; onlyStar: boolean };

function compileBranch(pattern: string): Segment[] {
  return pattern.split('/').map((seg) =>
    seg === '**' ? { globstar: true } : { globstar: false, tokens: tokenize(seg), onlyStar: /^\*+$/.test(seg) });
}

/** Pattern segments against name segments; `**` segments take zero or more name segments. */
function matchSegments(pattern: Segment[], name: string[]): boolean {
  let cur = new Uint8Array(name.length + 1);
  cur[0] = 1;
  for (const seg of pattern) {
    const next = new Uint8Array(name.length + 1);
    if (seg.globstar) {
      for (let j = 0; j <= name.length; j++) next[j] = cur[j] || (j > 0 && next[j - 1]) ? 1 : 0;
    } else {
      for (let j = 0; j < name.length; j++) if (cur[j] && matchTokens(seg.tokens, name[j]!, '/', seg.onlyStar)) next[j + 1] = 1;
    }
    cur = next;
  }
  return cur[name.length] === 1;
}

/** A matcher for one pattern; null when the pattern cannot be used (too many alternatives). */
export function compileGlob(pattern: string, kind: GlobKind): ((name: string) => boolean) | null {
  const alternatives = expandBraces(pattern);
  if (!alternatives) return null;
  if (kind === 'build') {
    const compiled = alternatives.map(tokenizeBuild);
    return (name) => compiled.some((tokens) => matchTokens(tokens, name, null, false));
  }
  const compiled = alternatives.map(compileBranch);
  return (name) => {
    const parts = name.split('/');
    return compiled.some((segments) => matchSegments(segments, parts));
  };
}

/** Why a pattern is refused, or null: the settings page and rules files get this message on save. */
export function globProblem(pattern: string): string | null {
  if (EXTGLOB.test(pattern)) return 'extended globs such as "+(a|b)" or "!(x)" are not supported; use {a,b}, *, ** and ? (and excludeBranches to leave branches out)';
  if (!expandBraces(pattern)) return `too many alternatives in {…} (at most ${MAX_ALTERNATIVES})`;
  return null;
}
