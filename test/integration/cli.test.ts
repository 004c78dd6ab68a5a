/**
 * The `build-alerts` CLI contract, run as users run it: a child process, stdout, stderr, exit code.
 */
import { spawnSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fixturesDir } from '../helpers/fixtures';
import { startReceiver } from '../helpers/receiver';
import { startTestRuntime } from '../helpers/runtime';

const ROOT = resolve(__dirname, '../..');
const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/build-alerts.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
const fixture = (name: string) => join(fixturesDir(), name);

describe('build-alerts CLI', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ba-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('--help lists the commands', () => {
    const res = cli('--help');
    expect(res.status).toBe(0);
    for (const command of ['serve', 'normalize', 'rules', 'replay']) expect(res.stdout).toContain(command);
  });

  test('normalize prints the RepoEvent of a Forge event and of a webhook given its headers', () => {
    const forge = cli('normalize', fixture('forge-build-status-created-failed.atlassian-docs.json'));
    expect(forge.status).toBe(0);
    expect(JSON.parse(forge.stdout)).toMatchObject({ source: 'forge', kind: 'build', build: { state: 'FAILED', key: 'my-build1', ref: 'main' } });

    const dc = cli('normalize', fixture('server-refs-changed-branch-create.drone-go-scm.json'), '--header', 'X-Event-Key: repo:refs_changed');
    expect(dc.status).toBe(0);
    const event = JSON.parse(dc.stdout);
    expect(event).toMatchObject({ source: 'server-webhook', kind: 'push' });
    expect(event.push.changes[0]).toMatchObject({ action: 'created', before: null });

    const post = cli('normalize', fixture('postwebhooks-pr-created.jenkins-bitbucket-branch-source.json'), '--header', 'X-Event-Key: pullrequest:created', '--header', 'X-Bitbucket-Type: server');
    expect(post.status).toBe(0);
    expect(JSON.parse(post.stdout)).toMatchObject({ source: 'post-webhooks', kind: 'pullrequest', pullRequest: { action: 'created' } });
  });

  test('an event the app does not handle prints ignored; bad input is one line on stderr and exit 1', () => {
    const ignored = cli('normalize', fixture('cloud-pr-created.drone-go-scm.json'), '--header', 'X-Event-Key: repo:fork');
    expect(ignored.status).toBe(0);
    expect(JSON.parse(ignored.stdout)).toMatchObject({ ignored: true });

    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"eventType": ');
    const malformed = cli('normalize', broken);
    expect(malformed.status).toBe(1);
    expect(malformed.stdout).toBe('');
    expect(malformed.stderr.trim().split('\n')).toHaveLength(1);
    expect(malformed.stderr).toMatch(/malformed JSON/);

    const unknown = join(dir, 'unknown.json');
    writeFileSync(unknown, '{"hello": "world"}');
    const shape = cli('normalize', unknown);
    expect(shape.status).toBe(1);
    expect(shape.stderr.trim().split('\n')).toHaveLength(1);
    expect(shape.stderr).not.toMatch(/\n\s+at /);
  });

  test('rules validate points at line and column; import then export round-trips with secrets masked', () => {
    const file = join(dir, 'rules.yaml');
    const secretUrl = 'https://hooks.slack.com/services/T000/B000/CLITESTSECRETxyz123';
    const text = (event: string) => `version: 1
repository: "{15a31549-1cff-45dc-9d0d-310114c5038b}"
channels:
  - name: team-slack
    type: slack
    url: ${secretUrl}
rules:
  - name: main is broken
    on: [failed, ${event}]
    channels: [team-slack]
`;
    writeFileSync(file, text('exploded'));
    const bad = cli('rules', 'validate', file);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('rules.yaml:9:18: rules[0].on[1]: unknown event "exploded"');

    writeFileSync(file, text('fixed'));
    expect(cli('rules', 'validate', file).status).toBe(0);
    const dataDir = join(dir, 'data');
    const imported = cli('rules', 'import', file, '--data-dir', dataDir);
    expect(imported.status).toBe(0);
    const exported = cli('rules', 'export', '--repo', '{15a31549-1cff-45dc-9d0d-310114c5038b}', '--data-dir', dataDir);
    expect(exported.status).toBe(0);
    expect(exported.stdout).toMatch(/on: \[\s*failed, fixed\s*\]/);
    expect(exported.stdout).toContain('team-slack');
    expect(exported.stdout).not.toContain('CLITESTSECRETxyz123');
    // The export is itself a valid rules file, and importing it back keeps the stored secret.
    const again = join(dir, 'exported.yaml');
    writeFileSync(again, exported.stdout);
    expect(cli('rules', 'import', again, '--data-dir', dataDir).status).toBe(0);
    expect(cli('rules', 'export', '--repo', '{15a31549-1cff-45dc-9d0d-310114c5038b}', '--data-dir', dataDir).stdout).toBe(exported.stdout);
  });

  test('serve refuses a bad flag and a busy port with one line and a non-zero exit', async () => {
    const badFlag = cli('serve', '--port', 'abc');
    expect(badFlag.status).not.toBe(0);
    expect(badFlag.stderr).toMatch(/not a port number/);

    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const busy = cli('serve', '--port', String(port), '--data-dir', join(dir, 'busy'));
      expect(busy.status).toBe(1);
      expect(busy.stderr.trim()).toBe(`build-alerts: port ${port} on 127.0.0.1 is already in use (try --port)`);
    } finally {
      blocker.close();
    }
    const notADir = join(dir, 'file-not-dir');
    writeFileSync(notADir, 'x');
    const unreadable = cli('serve', '--port', '0', '--data-dir', join(notADir, 'sub'));
    expect(unreadable.status).toBe(1);
    expect(unreadable.stderr).toMatch(/data dir .* is not readable and writable/);
  });

  test('activity prints what became of each event, newest first, as JSON lines', async () => {
    const receiver = await startReceiver();
    const dataDir = join(dir, 'activity');
    const rt = await startTestRuntime({ dataDir });
    const REPO_UUID = '{15a31549-1cff-45dc-9d0d-310114c5038b}';
    try {
      const extension = { repository: { uuid: REPO_UUID } };
      await rt.resolver('saveChannel', { channel: { name: 'hook', type: 'webhook', url: receiver.url } }, extension);
      await rt.resolver('saveRules', { rules: [{ name: 'main broken', on: ['failed'], branches: ['main'], channels: ['hook'] }] }, extension);
      const failed = JSON.parse(readFileSync(fixture('forge-build-status-created-failed.atlassian-docs.json'), 'utf8'));
      expect((await rt.post('/forge/events', failed)).status).toBe(202);
      await rt.settle();
      expect((await rt.post('/forge/events', failed)).status).toBe(202); // the same status again
      await rt.settle();
    } finally {
      await rt.stop();
      await receiver.close();
    }
    const out = cli('activity', '--repo', REPO_UUID, '--data-dir', dataDir);
    expect(out.status).toBe(0);
    const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ decision: 'nothing', reason: 'duplicate', event: { kind: 'build', state: 'FAILED', ref: 'main' } });
    expect(lines[1]).toMatchObject({ decision: 'alerted', reason: null, alerts: [{ type: 'build.failed', sent: [{ rule: 'main broken', channels: ['hook'] }] }] });

    const unknown = cli('activity', '--repo', 'acme/nothing-here', '--data-dir', dataDir);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/no repository "acme\/nothing-here"/);
  });

  test('replay posts fixtures to a running runtime', async () => {
    const receiver = await startReceiver();
    const rt = await startTestRuntime();
    try {
      const replayDir = join(dir, 'replay');
      mkdirSync(replayDir);
      for (const name of ['forge-build-status-created-failed.atlassian-docs.json', 'forge-push-repository-branch.atlassian-docs.json']) {
        writeFileSync(join(replayDir, name), readFileSync(fixture(name)));
      }
      const res = await new Promise<{ code: number | null; stdout: string }>((done) => {
        const child = spawn(process.execPath, [join(ROOT, 'bin/build-alerts.js'), 'replay', replayDir, '--url', rt.url], { cwd: ROOT });
        let stdout = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.on('exit', (code) => done({ code, stdout }));
      });
      expect(res.code).toBe(0);
      expect(res.stdout.trim().split('\n')).toHaveLength(2);
      expect(res.stdout).toMatch(/^202 forge-build-status-created-failed/m);
    } finally {
      await rt.stop();
      await receiver.close();
    }
  });
});
