/**
 * @jest-environment jsdom
 * @jest-environment-options {"url": "http://127.0.0.1:4000/repos/%7B15a31549-1cff-45dc-9d0d-310114c5038b%7D/settings/"}
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The shim the local server serves at /__local/bridge-shim.js (src/adapters/local/server.ts). */
const BRIDGE_SHIM_PATH = resolve(__dirname, '../../../src/adapters/local/ui/bridge-shim.js');

/** jsdom has no fetch/Response: the shim only needs status and text(). */
const answer = (status: number, body: string) => ({ status, text: async () => body });

type CallBridge = (name: string, payload?: unknown) => Promise<unknown>;

function loadShim(): CallBridge {
  // Runs the file as the browser would: a classic script in the page's global scope.
  new Function(readFileSync(BRIDGE_SHIM_PATH, 'utf8'))();
  return (window as unknown as { __bridge: { callBridge: CallBridge } }).__bridge.callBridge;
}

describe('local bridge shim', () => {
  const saved = (window as unknown as { __bridge: unknown }).__bridge;
  afterAll(() => {
    (window as unknown as { __bridge: unknown }).__bridge = saved;
  });

  it('derives the repository context from the page URL', async () => {
    const callBridge = loadShim();
    const ctx = (await callBridge('getContext')) as { accountId: string; moduleKey: string; extension: { repository: { uuid: string } } };
    expect(ctx.accountId).toBe('local-admin');
    expect(ctx.moduleKey).toBe('repo-settings');
    expect(ctx.extension.repository.uuid).toBe('{15a31549-1cff-45dc-9d0d-310114c5038b}');
  });

  it('prefers the context the local server printed into the page', async () => {
    const w = window as unknown as { __BUILD_ALERTS_CONTEXT__?: unknown };
    w.__BUILD_ALERTS_CONTEXT__ = { accountId: 'acc-1', moduleKey: 'repo-settings', extension: { repository: { uuid: '{r}', fullName: 'acme/api' } } };
    try {
      const ctx = (await loadShim()('getContext')) as { accountId: string; extension: unknown };
      expect(ctx.accountId).toBe('acc-1');
      expect(ctx.extension).toEqual({ repository: { uuid: '{r}', fullName: 'acme/api' } });
    } finally {
      delete w.__BUILD_ALERTS_CONTEXT__;
    }
  });

  it('turns invoke into POST /api/resolvers/:name with payload and extension, returning the JSON', async () => {
    const fetchMock = jest.fn(async () => answer(200, JSON.stringify({ ok: true, data: { matches: ['main'], total: 1 } })));
    (globalThis as unknown as { fetch: unknown }).fetch = fetchMock;
    const callBridge = loadShim();
    const res = await callBridge('invoke', { functionKey: 'previewBranches', payload: { branches: ['main'] } });
    expect(res).toEqual({ ok: true, data: { matches: ['main'], total: 1 } });
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/resolvers/previewBranches');
    expect(init.method).toBe('POST');
    expect(JSON.parse(String(init.body))).toEqual({
      payload: { branches: ['main'] },
      extension: { type: 'bitbucket:repoSettingsMenuPage', repository: { uuid: '{15a31549-1cff-45dc-9d0d-310114c5038b}' } },
    });
  });

  it('maps a non-JSON answer or a network failure to an internal error value', async () => {
    (globalThis as unknown as { fetch: unknown }).fetch = jest.fn(async () => answer(502, '<html>502</html>'));
    let callBridge = loadShim();
    expect(await callBridge('invoke', { functionKey: 'getSettings', payload: {} })).toEqual({
      ok: false,
      error: { code: 'internal', message: 'The local server answered 502 without JSON.' },
    });
    (globalThis as unknown as { fetch: unknown }).fetch = jest.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    callBridge = loadShim();
    expect(await callBridge('invoke', { functionKey: 'getSettings', payload: {} })).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('answers other bridge calls harmlessly', async () => {
    const callBridge = loadShim();
    await expect(callBridge('enableTheming')).resolves.toBeUndefined();
    await expect(callBridge('somethingNew', { x: 1 })).resolves.toBeUndefined();
    const product = (await callBridge('fetchProduct', { product: 'bitbucket', restPath: '/2.0/user' })) as { status: number };
    expect(product.status).toBe(501);
  });
});
