/**
 * Inbound trust, task 5: static files only from inside the UI build (a sibling `build-old/` is not
 * served), link-local and cloud metadata addresses refused as channels even with private egress
 * allowed, and a data dir only its owner can read (0700, files 0600).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime';
import { rawRequest } from './helpers/raw-http';

const REPO = { uuid: '{15a31549-1cff-45dc-9d0d-310114c5038b}' };
const SECRET = 'do-not-serve-me-0b8f';

describe('static files, egress and file modes', () => {
  let rt: TestRuntime;
  let root: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ba-static-'));
    const ui = join(root, 'ui');
    mkdirSync(join(ui, 'build/assets'), { recursive: true });
    mkdirSync(join(ui, 'build-old'), { recursive: true });
    writeFileSync(join(ui, 'build/index.html'), '<!doctype html><html><head></head><body>settings</body></html>');
    writeFileSync(join(ui, 'build/assets/app.js'), 'console.log(1)');
    writeFileSync(join(ui, 'build-old/secret.txt'), SECRET);
    writeFileSync(join(root, 'outside.txt'), SECRET);
    symlinkSync(join(root, 'outside.txt'), join(ui, 'build/assets/link.txt'));
    // A data dir an older version left readable by everyone.
    const dataDir = join(root, 'data');
    mkdirSync(join(dataDir, 'store'), { recursive: true, mode: 0o755 });
    writeFileSync(join(dataDir, 'store/data.mdb'), '');
    chmodSync(join(dataDir, 'store/data.mdb'), 0o644);
    chmodSync(dataDir, 0o755);
    rt = await startTestRuntime({ dataDir, runtime: { uiDir: join(ui, 'build'), allowPrivateEgress: true } });
  });
  afterAll(async () => {
    await rt?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('files inside the build are served', async () => {
    const res = await rawRequest(`${rt.url}/repos/r/settings/assets/app.js`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('console.log(1)');
  });

  test.each([
    '/repos/r/settings/../build-old/secret.txt',
    '/repos/r/settings/..%2Fbuild-old%2Fsecret.txt',
    '/repos/r/settings/%2e%2e/build-old/secret.txt',
    '/repos/r/settings/%2e%2e%2fbuild-old%2fsecret.txt',
    '/workspaces/w/settings/..%2F..%2Fbuild-old%2Fsecret.txt',
    '/repos/r/settings/..%2F..%2Foutside.txt',
    '/repos/r/settings/assets/link.txt',
    '/repos/r/settings/assets',
    '/repos/r/settings/assets/',
    '/repos/r/settings/%00',
  ])('%s is not served', async (path) => {
    const res = await rawRequest(rt.url + path);
    expect(res.text).not.toContain(SECRET);
    expect(res.status).toBeGreaterThanOrEqual(300);
    expect(res.status).toBeLessThan(500);
  });

  test.each([
    'https://169.254.169.254/latest/meta-data/',
    'https://169.254.10.10/hook',
    'https://0xa9fea9fe/latest/',
    'https://2852039166/latest/',
    'https://[::ffff:169.254.169.254]/latest/',
    'https://[fd00:ec2::254]/latest/',
    'https://[fe80::1]/hook',
    'https://[febf::1]/hook',
    'https://metadata.google.internal/computeMetadata/v1/',
    'https://METADATA.google.internal./computeMetadata/v1/',
    'https://100.100.100.200/latest/',
  ])('a channel on %s is refused even with BUILD_ALERTS_ALLOW_PRIVATE_EGRESS=1', async (url) => {
    const res = await rt.resolver('saveChannel', { channel: { name: 'meta', type: 'webhook', url } }, { repository: REPO });
    expect(res).toMatchObject({ ok: false, error: { code: 'egress-denied' } });
    expect(res.error.message).toMatch(/link-local or cloud metadata/);
    const settings = await rt.resolver('getSettings', {}, { repository: REPO });
    expect(settings.data.channels.map((c: { name: string }) => c.name)).not.toContain('meta');
  });

  test('a private (non-link-local) address is still allowed in that mode', async () => {
    const res = await rt.resolver('saveChannel', { channel: { name: 'lan', type: 'webhook', url: 'https://10.0.0.5/hook' } }, { repository: REPO });
    expect(res.ok).toBe(true);
  });

  test('the data dir is 0700 and the LMDB files and the lock are 0600, also when they existed before', () => {
    const mode = (p: string) => (statSync(join(rt.dataDir, p)).mode & 0o777).toString(8);
    expect(mode('.')).toBe('700');
    for (const dir of ['store', 'queue']) expect([dir, mode(dir)]).toEqual([dir, '700']);
    for (const file of ['store/data.mdb', 'store/lock.mdb', 'queue/data.mdb', 'queue/lock.mdb', 'serve.lock']) expect([file, mode(file)]).toEqual([file, '600']);
  });
});
