/**
 * The linear-time glob matcher (src/core/rules/glob.ts) agrees with picomatch, the library whose
 * syntax rules are written in, on random patterns of the supported syntax; and it stays fast on the
 * patterns that made picomatch's regular expressions backtrack for seconds.
 */
import picomatch from 'picomatch';
import { compileGlob, expandBraces, globProblem, MAX_ALTERNATIVES } from '../../../src/core/rules/glob';
import { seededRandom } from '../../helpers/prng';

const PICO = { branch: { dot: true }, build: { dot: true, bash: true } } as const;

/**
 * A pattern as rules write them: `/`-separated segments, each either `**` or literals, `*`, `?`,
 * classes and `{…}` alternatives (not starting with "."). `!` is left out: picomatch reads a
 * leading `!` as negating the whole pattern (rules use excludeBranches for that).
 */
/**
 * `**` segments are left to the table below: picomatch's own results for them depend on what the
 * neighbouring segment holds ("b* /**" (without the space) refuses "b" while "release/**" takes
 * "release"); ours are one rule, zero or more whole segments.
 */
const GLOBSTAR = false;
function randomPattern(r: () => number): string {
  const atoms = ['a', 'b', '*', '?', '[ab]', '[^a]', '[a-b]', '{a,b}', '{a,ab}', '.', '-'];
  const segments: string[] = [];
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    if (GLOBSTAR && r() < 0.2) {
      segments.push('**');
      continue;
    }
    let seg = '';
    const m = 1 + Math.floor(r() * 4);
    for (let k = 0; k < m; k++) {
      let atom = atoms[Math.floor(r() * atoms.length)]!;
      if (atom === '*' && seg.endsWith('*')) atom = 'a';
      if (k === 0 && atom === '.') atom = 'b';
      seg += atom;
    }
    segments.push(seg);
  }
  return segments.join('/');
}
/** A name git accepts as a ref (git check-ref-format): no empty, leading-dot or trailing-slash components, no "..". */
function randomName(r: () => number): string {
  const chars = ['a', 'b', '/', '.', '-'];
  for (;;) {
    const n = 1 + Math.floor(r() * 7);
    let s = '';
    for (let i = 0; i < n; i++) s += chars[Math.floor(r() * chars.length)];
    if (s.split('/').every((c) => c !== '' && !c.startsWith('.') && !c.endsWith('.')) && !s.includes('..')) return s;
  }
}

describe.each(['branch', 'build'] as const)('%s globs agree with picomatch', (kind) => {
  test('on 20,000 random pattern/name pairs', () => {
    const r = seededRandom(kind === 'branch' ? 7 : 11);
    const disagreements: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const pattern = randomPattern(r);
      const ours = compileGlob(pattern, kind)!;
      const theirs = picomatch(pattern, PICO[kind]);
      for (let k = 0; k < 5; k++) {
        const name = randomName(r);
        if (ours(name) !== theirs(name)) disagreements.push(`${JSON.stringify(pattern)} vs ${JSON.stringify(name)}: ours ${ours(name)}, picomatch ${theirs(name)}`);
      }
    }
    expect(disagreements.slice(0, 10)).toEqual([]);
  });

  test('on the patterns rules use', () => {
    const cases: [string, string][] = [
      ['release/**', 'release'], ['release/**', 'release/1.2'], ['release/**', 'release/a/b'], ['feature/*', 'feature/a/b'],
      ['feature/*', 'feature/'], ['*', 'a/b'], ['**', 'a/b'], ['a/**/c', 'a/c'], ['**/x', 'x'], ['{main,master}', 'master'],
      ['Pipeline *', 'Pipeline #4 for feature/x'], ['sonar*', 'sonarcloud'], ['ma?n', 'main'], ['[mr]ain', 'rain'],
    ];
    for (const [pattern, name] of cases) expect([pattern, name, compileGlob(pattern, kind)!(name)]).toEqual([pattern, name, picomatch(pattern, PICO[kind])(name)]);
  });
});

test('what made picomatch backtrack for seconds is matched in well under a millisecond', () => {
  const branch = 'a'.repeat(254) + 'b';
  for (const kind of ['branch', 'build'] as const) {
    const m = compileGlob('*a*a*a*a*a*a*a*a*a*a*c', kind)!;
    const started = process.hrtime.bigint();
    for (let i = 0; i < 100; i++) expect(m(branch)).toBe(false);
    const perMatchMs = Number(process.hrtime.bigint() - started) / 1e6 / 100;
    expect(perMatchMs).toBeLessThan(5);
  }
});

test('brace expansion is bounded, and unsupported syntax is refused with what to use instead', () => {
  expect(expandBraces('{a,b}-{c,d}')).toEqual(['a-c', 'a-d', 'b-c', 'b-d']);
  expect(expandBraces('{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b,c,d}')).toBeNull(); // 256 > MAX_ALTERNATIVES
  expect(MAX_ALTERNATIVES).toBe(64);
  expect(globProblem('+(a|b)')).toMatch(/extended globs/);
  expect(globProblem('{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}')).toMatch(/too many alternatives/);
  expect(globProblem('release/**')).toBeNull();
});
