/**
 * The seams DESIGN.md describes, enforced: the core imports nothing from @forge/* and does no I/O;
 * only adapters/forge imports @forge/*; @forge/bridge stays in the browser.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

/** Module specifiers of import/require/export-from statements (comments do not count). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g)) {
    found.push(m[1] ?? m[2] ?? m[3] ?? m[4]!);
  }
  return found;
}

const rel = (file: string) => relative(ROOT, file);

test('the core imports nothing from @forge/* and no I/O modules', () => {
  const offenders = sources(join(ROOT, 'src/core')).flatMap((file) =>
    importsOf(file)
      .filter((m) => m.startsWith('@forge/') || /^(node:)?(fs|http|https|net|child_process|dgram|tls)$/.test(m) || m.includes('/adapters/'))
      .map((m) => `${rel(file)} imports ${m}`),
  );
  expect(offenders).toEqual([]);
});

test('only src/adapters/forge imports @forge/* on the backend', () => {
  const offenders = sources(join(ROOT, 'src'))
    .filter((file) => !rel(file).startsWith('src/adapters/forge/'))
    .flatMap((file) => importsOf(file).filter((m) => m.startsWith('@forge/')).map((m) => `${rel(file)} imports ${m}`));
  expect(offenders).toEqual([]);
});

test('@forge/bridge (browser-only) is never imported by backend code', () => {
  const offenders = sources(join(ROOT, 'src'))
    .flatMap((file) => importsOf(file).filter((m) => m === '@forge/bridge').map(() => rel(file)));
  expect(offenders).toEqual([]);
});

test('the app layer reaches storage, queue, HTTP and Bitbucket only through ports', () => {
  const offenders = sources(join(ROOT, 'src/app')).flatMap((file) =>
    importsOf(file)
      .filter((m) => m.includes('/adapters/') || /^(lmdb|fastify|undici|pino)$/.test(m) || /^(node:)?(fs|http|https|net)$/.test(m))
      .map((m) => `${rel(file)} imports ${m}`),
  );
  expect(offenders).toEqual([]);
});

test('the scanner sees real imports (guards the guards)', () => {
  expect(importsOf(join(ROOT, 'src/adapters/forge/consumer.ts'))).toContain('@forge/events');
  expect(importsOf(join(ROOT, 'src/app/delivery-plan.ts'))).toContain('../core/rules');
});

/** Relative imports of a file resolved to files, type-only ones and `import('…')` types included. */
function localDeps(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specs = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!);
  return specs
    .filter((s) => s.startsWith('.'))
    .map((s) => {
      const base = resolve(join(file, '..'), s);
      return [`${base}.ts`, join(base, 'index.ts')].find((p) => { try { return statSync(p).isFile(); } catch { return false; } });
    })
    .filter((p): p is string => p !== undefined);
}

test('the core has no import cycles, type-only imports included', () => {
  const files = sources(join(ROOT, 'src/core'));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const d of localDeps(f)) {
      if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d].map(rel).join(' → '));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  expect(cycles).toEqual([]);
});

test('the core depends on neither the app nor the browser contract', () => {
  const offenders = sources(join(ROOT, 'src/core')).flatMap((file) =>
    localDeps(file).filter((d) => !rel(d).startsWith('src/core/')).map((d) => `${rel(file)} imports ${rel(d)}`));
  expect(offenders).toEqual([]);
});
