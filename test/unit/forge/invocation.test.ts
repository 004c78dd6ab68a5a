/**
 * The installation of an invocation, from the documented function context
 * (https://developer.atlassian.com/platform/forge/function-reference/arguments/#context-schema).
 */
import { installationOf } from '../../../src/adapters/forge/invocation';
import { retryability } from '../../../src/adapters/forge/platform-errors';

describe('installationOf', () => {
  it('reads the workspace UUID from a Bitbucket installContext ARI', () => {
    expect(installationOf({ installContext: 'ari:cloud:bitbucket::workspace/4C16A397-8e48-479c-8ca2-442e46c90570' })).toEqual({
      installContext: 'ari:cloud:bitbucket::workspace/4C16A397-8e48-479c-8ca2-442e46c90570',
      workspaceUuid: '{4c16a397-8e48-479c-8ca2-442e46c90570}',
    });
  });

  it('prefers the ARI over workspaceId, and falls back to workspaceId', () => {
    expect(installationOf({ installContext: 'ari:cloud:bitbucket::workspace/4c16a397-8e48-479c-8ca2-442e46c90570', workspaceId: '{7d2a1e55-0b6f-4c1a-9e3d-5f8b2c4a6e10}' }).workspaceUuid)
      .toBe('{4c16a397-8e48-479c-8ca2-442e46c90570}');
    expect(installationOf({ workspaceId: '7d2a1e55-0b6f-4c1a-9e3d-5f8b2c4a6e10' }).workspaceUuid).toBe('{7d2a1e55-0b6f-4c1a-9e3d-5f8b2c4a6e10}');
  });

  it('knows nothing from an empty, foreign or malformed context', () => {
    expect(installationOf(undefined)).toEqual({ installContext: null, workspaceUuid: null });
    expect(installationOf({ installContext: 'ari:cloud:jira::site/abc' }).workspaceUuid).toBeNull();
    expect(installationOf({ workspaceId: 'acme' }).workspaceUuid).toBeNull();
    expect(installationOf({ installContext: 42 }).installContext).toBeNull();
  });
});

describe('retryability', () => {
  it('backs off 15 s, 30 s, 60 s... within 900 s for transient failures', () => {
    const net = new Error('socket hang up');
    expect([1, 2, 3, 4, 10].map((a) => retryability(net, a))).toEqual([15, 30, 60, 120, 900].map((afterSeconds) => ({ retry: true, afterSeconds, rateLimited: false })));
  });

  it('never retries errors marked permanent', () => {
    expect(retryability(Object.assign(new Error('x'), { permanent: true }), 1)).toEqual({ retry: false });
  });
});
