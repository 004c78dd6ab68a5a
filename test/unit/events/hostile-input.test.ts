/** Malformed and hostile bodies: always a Result, never a throw, errors on one specific line. */
import { detectSource, normalize, type NormalizeResult } from '../../../src/core/events';
import { listFixtures, loadFixture } from '../../helpers/fixtures';
import { cloudHeaders, dcHeaders, pluginHeaders, type Json } from './builders';

const HEADER_SETS: Record<string, Record<string, string> | undefined> = {
  none: undefined,
  cloudStatus: cloudHeaders('repo:commit_status_updated'),
  cloudPush: cloudHeaders('repo:push'),
  cloudPr: cloudHeaders('pullrequest:created'),
  dcPush: dcHeaders('repo:refs_changed'),
  dcPr: dcHeaders('pr:opened'),
  pluginPush: pluginHeaders('repo:push'),
  pluginPr: pluginHeaders('pullrequest:created'),
};

const JUNK: unknown[] = [null, undefined, 0, -1, 1.5, NaN, '', 'x', true, [], [null], {}, { a: 1 }, [[[]]]];

function expectWellFormed(r: NormalizeResult): void {
  expect(typeof r.ok).toBe('boolean');
  if (!r.ok) {
    expect(typeof r.error.message).toBe('string');
    expect(r.error.message).not.toMatch(/\n/);
    expect(r.error.message.length).toBeLessThan(300);
  }
}

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Replace one random node of a JSON tree with junk. */
function mutate(doc: Json, random: () => number): Json {
  const copy = structuredClone(doc);
  let node: any = copy; // eslint-disable-line @typescript-eslint/no-explicit-any
  for (let depth = 0; depth < 8; depth++) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[Math.floor(random() * keys.length)] as string;
    const child = node[key];
    if (child === null || typeof child !== 'object' || random() < 0.3) {
      node[key] = JUNK[Math.floor(random() * JUNK.length)];
      return copy;
    }
    node = child;
  }
  return copy;
}

describe('normalize never throws', () => {
  it.each(Object.keys(HEADER_SETS))('junk bodies with %s headers', (set) => {
    for (const body of JUNK) {
      const r = normalize({ body, headers: HEADER_SETS[set] });
      expectWellFormed(r);
    }
  });

  it('survives 3000 random mutations of the real fixtures under every header set', () => {
    const random = rng(20250604);
    const docs = listFixtures()
      .map((f) => loadFixture<unknown>(f))
      .filter((d): d is Json => typeof d === 'object' && d !== null && !Array.isArray(d));
    const headerSets = Object.values(HEADER_SETS);
    for (let i = 0; i < 3000; i++) {
      const doc = docs[i % docs.length] as Json;
      const headers = headerSets[Math.floor(random() * headerSets.length)];
      expectWellFormed(normalize({ body: mutate(doc, random), headers }));
    }
  });

  it('survives deep nesting', () => {
    let deep: Json = { eventType: 'avi:bitbucket:created:build-status' };
    for (let i = 0; i < 100_000; i++) deep = { buildStatus: deep, repository: deep };
    expectWellFormed(normalize({ body: deep, headers: undefined }));
    expectWellFormed(normalize({ body: deep, headers: cloudHeaders('repo:push') }));
  });

  it('turns a throwing getter into an error', () => {
    const body = { eventType: 'avi:bitbucket:created:build-status' };
    Object.defineProperty(body, 'buildStatus', {
      enumerable: true,
      get() {
        throw new Error('secret-ish detail');
      },
    });
    const r = normalize({ body });
    expect(r).toEqual({ ok: false, error: { message: 'normalize: payload could not be read (Error)' } });
  });

  it('tolerates nonsense in the input wrapper itself', () => {
    expectWellFormed(normalize(undefined as never));
    expectWellFormed(normalize({ body: {}, headers: 'x-event-key: repo:push' as never }));
    expectWellFormed(normalize({ body: {}, headers: { 'X-Event-Key': 42 as never } }));
  });

  it('does not read prototype properties as payload fields', () => {
    const r = normalize({ body: JSON.parse('{"eventType":"avi:bitbucket:push:repository","repository":{"uuid":"{u}"},"push":{"__proto__":{"ref":"main"}}}') });
    expect(r).toMatchObject({ ok: true, value: { ignored: true } });
  });
});

describe('unknown shapes give a clear error', () => {
  it.each([
    [{}, 'unknown payload: no X-Event-Key header, no Forge eventType, and no REST object type (pipeline, build, deployment) or values list'],
    [[], 'unknown payload: body must be a JSON object, got array'],
    ['text', 'unknown payload: body must be a JSON object, got string'],
    [null, 'unknown payload: body is missing'],
    [{ type: 'pipeline_step' }, 'unknown payload: no X-Event-Key header, no Forge eventType, and no REST object type (pipeline, build, deployment) or values list'],
  ])('%j', (body, message) => {
    expect(normalize({ body })).toEqual({ ok: false, error: { message } });
  });

  it('names the missing part for a known event key', () => {
    expect(normalize({ body: [], headers: cloudHeaders('repo:push') })).toEqual({
      ok: false,
      error: { message: 'repo:push: body must be an object, got array' },
    });
    expect(normalize({ body: { eventType: 5 } })).toEqual({
      ok: false,
      error: { message: 'unknown payload: no X-Event-Key header, no Forge eventType, and no REST object type (pipeline, build, deployment) or values list' },
    });
  });
});

describe('detectSource', () => {
  it.each([
    [{ 'X-Event-Key': 'repo:push' }, {}, 'cloud-webhook'],
    [{ 'x-event-key': 'repo:push', 'x-bitbucket-type': 'Server' }, {}, 'post-webhooks'],
    [{ 'X-Event-Key': 'repo:refs_changed' }, {}, 'server-webhook'],
    [{ 'X-Event-Key': 'pr:opened' }, {}, 'server-webhook'],
    [{ 'X-Event-Key': 'diagnostics:ping' }, { test: true }, 'server-webhook'],
    [{ 'X-Event-Key': 'repo:something_new' }, { eventKey: 'repo:something_new' }, 'server-webhook'],
    [undefined, { eventType: 'avi:bitbucket:push:repository' }, 'forge'],
    [{}, { type: 'pipeline' }, 'pipelines-api'],
    [{}, { type: 'build' }, 'pipelines-api'],
    [{}, { type: 'deployment' }, 'pipelines-api'],
    [{}, { values: [] }, 'pipelines-api'],
    [{}, { eventKey: 'pr:merged' }, 'server-webhook'],
    [{}, { test: true }, null],
    [{}, 'x', null],
  ])('%j + %j → %s', (headers, body, expected) => {
    expect(detectSource(headers, body)).toBe(expected);
  });
});
