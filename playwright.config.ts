import { defineConfig } from '@playwright/test';

/**
 * Browser tests of the settings page against the real local runtime (`build-alerts serve`).
 * Debian's Chromium: `apt-get install -y --no-install-recommends chromium`; Playwright does not read
 * PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH, so the binary is named here (override with CHROMIUM_PATH).
 */
export default defineConfig({
  testDir: 'test/browser',
  testMatch: '**/*.spec.ts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  reporter: process.env.CI ? 'line' : 'list',
  use: {
    headless: true,
    viewport: { width: 1280, height: 900 },
    launchOptions: { executablePath: process.env.CHROMIUM_PATH || '/usr/lib/chromium/chromium' },
    trace: 'retain-on-failure',
  },
});
