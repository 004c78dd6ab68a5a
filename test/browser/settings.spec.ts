/**
 * The settings page in a real browser against the real local runtime: a repo admin adds a webhook
 * channel and a rule, a failing Forge build-status event alerts a recording receiver, the delivery
 * shows in the log, and a successful one sends the recovery. Screenshots go to docs/screenshots.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { ensureUiBuilt, REPO_ROOT, startLocalRuntime, type RunningRuntime } from './local-runtime';

const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/shared/forge-build-status-created-failed.atlassian-docs.json');
// The README's screenshots are refreshed on demand (UPDATE_SCREENSHOTS=1 npx playwright test); a plain
// run keeps its screenshots under test-results so that testing leaves the work tree clean.
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? path.join(REPO_ROOT, 'docs/screenshots') : path.join(REPO_ROOT, 'test-results/screenshots');

interface ForgeBuildStatusEvent {
  timestamp: string;
  eventType: string;
  repository: { uuid: string };
  buildStatus: { key: string; state: string; refName: string; createdOn: string; updatedOn: string; url: string };
}

const failed = (): ForgeBuildStatusEvent => JSON.parse(readFileSync(FIXTURE, 'utf8')) as ForgeBuildStatusEvent;

/** The same build (same key, same branch) turning green a few minutes later, as Bitbucket reports it. */
function successful(): ForgeBuildStatusEvent {
  const e = failed();
  const later = new Date(Date.parse(e.buildStatus.updatedOn) + 5 * 60_000).toISOString();
  e.eventType = 'avi:bitbucket:updated:build-status';
  e.timestamp = later;
  e.buildStatus.state = 'SUCCESSFUL';
  e.buildStatus.updatedOn = later;
  return e;
}

const repoUuid = failed().repository.uuid.replace(/[{}]/g, '');

let runtime: RunningRuntime;
let receiver: Receiver;
const problems: string[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  ensureUiBuilt();
  receiver = await startReceiver();
  // The receiver is on loopback, which the egress policy refuses unless told this is a local test.
  runtime = await startLocalRuntime({ BUILD_ALERTS_ALLOW_PRIVATE_EGRESS: '1' });
});

test.afterAll(async () => {
  await runtime?.stop();
  await receiver?.close();
});

function watchConsole(page: Page) {
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${res.request().method()} ${res.url()}`);
  });
}

async function chooseOption(page: Page, label: string, option: string) {
  const input = page.getByLabel(label, { exact: true });
  await input.click();
  await input.fill(option);
  await page.keyboard.press('Enter');
}

test('a repo admin sets up alerts and sees a failure and its fix delivered', async ({ page }) => {
  watchConsole(page);
  await page.goto(`${runtime.url}/repos/${repoUuid}/settings/`);
  await expect(page.getByRole('heading', { name: 'Build alerts', level: 1 })).toBeVisible();
  await expect(page.getByText('No channels yet')).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'settings-empty.png'), fullPage: true });

  // 1. A webhook channel pointing at the recording receiver.
  await page.getByRole('button', { name: 'Add a channel' }).first().click();
  const channelForm = page.getByRole('form', { name: 'Add a channel' });
  await channelForm.getByLabel(/^Name/).fill('receiver');
  await chooseOption(page, 'Type *', 'Webhook');
  await channelForm.getByLabel(/^Endpoint URL/).fill(`${receiver.url}/hook`);
  await page.screenshot({ path: path.join(SHOTS, 'settings-add-channel.png'), fullPage: true });
  await channelForm.getByRole('button', { name: 'Add channel' }).click();
  const channels = page.getByRole('list', { name: 'Channels' });
  await expect(channels.getByText('receiver', { exact: true })).toBeVisible();

  // 2. A rule on failed + fixed for main, prefilled by the page.
  await page.getByRole('button', { name: 'Add a rule' }).first().click();
  const ruleForm = page.getByRole('form', { name: 'Add a rule' });
  await expect(ruleForm.getByLabel('Build failed')).toBeChecked();
  await expect(ruleForm.getByLabel('Build fixed')).toBeChecked();
  await expect(ruleForm.getByLabel('receiver')).toBeChecked();
  await ruleForm.getByLabel('Branches', { exact: true }).fill('main');
  await expect(page.getByTestId('branch-preview')).not.toHaveText(/Checking/);
  await page.screenshot({ path: path.join(SHOTS, 'settings-add-rule.png'), fullPage: true });
  await ruleForm.getByRole('button', { name: 'Add rule' }).click();
  await expect(page.getByRole('list', { name: 'Rules, in order' })).toContainText('Build failures and fixes');

  // 3. Bitbucket reports a failed build on main.
  const first = await runtime.post('/forge/events', failed());
  expect(first.status).toBe(202);
  const [alert] = await receiver.waitFor(1, 20_000);
  expect(alert!.method).toBe('POST');
  expect(alert!.path).toBe('/hook');
  expect(alert!.body).toMatch(/fail/i);
  expect(alert!.body).toContain('main');

  const log = page.getByRole('table', { name: 'Delivery log' });
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).last().click();
    await expect(log.getByText('delivered').first()).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 20_000 });

  // 4. The same build turns green: the recovery is delivered too.
  const second = await runtime.post('/forge/events', successful());
  expect(second.status).toBe(202);
  const received = await receiver.waitFor(2, 20_000);
  expect(received[1]!.body).toMatch(/fix|recover|success/i);
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).last().click();
    await expect(log.getByText('delivered')).toHaveCount(2, { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await page.screenshot({ path: path.join(SHOTS, 'settings-delivered.png'), fullPage: true });

  // 5. Accessibility of the filled page, in both themes.
  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(page.locator('html')).toHaveAttribute('data-color-mode', 'dark');
  // Atlaskit fields animate their background colour: let the theme switch finish before the picture.
  await page.waitForTimeout(600);
  await page.screenshot({ path: path.join(SHOTS, 'settings-dark.png'), fullPage: true });
  const axeDark = await new AxeBuilder({ page }).analyze();
  expect(axeDark.violations.map((v) => v.id)).toEqual([]);

  expect(problems).toEqual([]);
});

// Depends on the previous test's state (serial): the failure and the fix of the same build on main.
test('build health shows the failure and the fix of the watched build', async ({ page }) => {
  await page.goto(`${runtime.url}/repos/${repoUuid}/settings/`);
  const strip = page.getByRole('list', { name: /^Recent results of .* on main$/ });
  // Cells link to the build when the status has a URL, and are images otherwise.
  const cells = strip.getByRole('listitem');
  await expect(cells).toHaveCount(2);
  await expect(cells.first().getByLabel(/^Build failed/)).toBeVisible();
  await expect(cells.last().getByLabel(/^Build passed/)).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'settings-health.png'), fullPage: true });
});
