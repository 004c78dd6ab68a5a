/**
 * The local runtime refuses hosts manifest.yml does not declare, as Forge would, and says what to do;
 * self-hosted teams add their own hosts with BUILD_ALERTS_EGRESS_HOSTS.
 */
import { extraEgressHosts, manifestEgressHosts } from '../../src/adapters/local/manifest-egress';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime';

const REPO = { repository: { uuid: '{15a31549-1cff-45dc-9d0d-310114c5038b}' } };

describe('egress allow-list', () => {
  let rt: TestRuntime | undefined;
  afterEach(async () => {
    await rt?.stop();
    rt = undefined;
    delete process.env.BUILD_ALERTS_EGRESS_HOSTS;
  });

  test('the manifest declares vendor hosts and no wildcard for everything', () => {
    const hosts = manifestEgressHosts();
    expect(hosts).toEqual(expect.arrayContaining(['hooks.slack.com', 'events.pagerduty.com', 'api.opsgenie.com']));
    expect(hosts).not.toContain('*');
  });

  test('an undeclared host is refused with the host named and the self-hosted remedy; nothing is saved', async () => {
    rt = await startTestRuntime();
    const res = await rt.resolver('saveChannel', { channel: { name: 'audit', type: 'webhook', url: 'https://hooks.example.com/in' } }, REPO);
    expect(res).toMatchObject({ ok: false, error: { code: 'egress-denied', host: 'hooks.example.com' } });
    expect(res.error.message).toMatch(/BUILD_ALERTS_EGRESS_HOSTS/);
    const settings = await rt.resolver('getSettings', {}, REPO);
    expect(settings.data.channels).toEqual([]);
  });

  test('BUILD_ALERTS_EGRESS_HOSTS lets a self-hosted team declare its own hosts', async () => {
    process.env.BUILD_ALERTS_EGRESS_HOSTS = 'hooks.example.com, *.corp.example, not a host';
    expect(extraEgressHosts()).toEqual(['hooks.example.com', '*.corp.example']);
    rt = await startTestRuntime();
    const ok = await rt.resolver('saveChannel', { channel: { name: 'audit', type: 'webhook', url: 'https://hooks.example.com/in' } }, REPO);
    expect(ok.ok).toBe(true);
    const wildcard = await rt.resolver('saveChannel', { channel: { name: 'mm', type: 'mattermost', url: 'https://chat.corp.example/hooks/abc123abc123' } }, REPO);
    expect(wildcard.ok).toBe(true);
    const other = await rt.resolver('saveChannel', { channel: { name: 'x', type: 'webhook', url: 'https://elsewhere.example.net/in' } }, REPO);
    expect(other).toMatchObject({ ok: false, error: { code: 'egress-denied' } });
  });
});
