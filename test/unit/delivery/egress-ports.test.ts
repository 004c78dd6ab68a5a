import { checkEgress, FORGE_EGRESS_PORTS, type EgressPolicy } from '../../../src/core/delivery/egress';

// Forge's runtime reaches only these ports: https://developer.atlassian.com/platform/forge/function-reference/nodejs-runtime/
const forge: EgressPolicy = { allowedHosts: ['chat.acme.example'], allowLoopback: false, allowPrivate: false, allowedPorts: FORGE_EGRESS_PORTS };

describe('egress ports on Forge', () => {
  it('accepts the default port and every port Forge allows', () => {
    expect(checkEgress('https://chat.acme.example/hooks/x', forge).ok).toBe(true);
    for (const port of [80, 443, 8080, 8443, 8444, 7990, 8089, 8090, 8085, 8060]) {
      expect(checkEgress(`https://chat.acme.example:${port}/hooks/x`, forge).ok).toBe(true);
    }
  });

  it('refuses another port (a self-hosted Mattermost on :8065) with what to do', () => {
    const res = checkEgress('https://chat.acme.example:8065/hooks/abc', forge);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.error.message).toMatch(/port 8065/);
      expect(res.error.message).toMatch(/443/);
      expect(res.error.message).not.toContain('abc');
    }
  });

  it('leaves ports alone where no list is set (self-hosted runtime)', () => {
    expect(checkEgress('https://chat.acme.example:8065/hooks/x', { ...forge, allowedPorts: undefined }).ok).toBe(true);
  });
});
