import '@testing-library/jest-dom';
import { toHaveNoViolations } from 'jest-axe';
import { installBridge } from './fake-backend';

expect.extend(toHaveNoViolations);

// @forge/bridge reads globalThis.__bridge when its modules load: install the fake host first, as the
// local shim does in a browser.
installBridge();

// The page's lazy chunks (forms, the sections below Rules) are plain modules under Jest, evaluated
// synchronously on first import(). Evaluate them once up front, as the page's static imports were
// before the split, so a test's first use does not spend its findBy timeout blocked on Atlaskit
// Select and DynamicTable loading. The components still go through React.lazy and Suspense.
beforeAll(async () => {
  await Promise.all([import('../src/components/more-sections'), import('../src/components/channel-form'), import('../src/components/rule-form'), import('../src/components/workspace-sections')]);
});

// Atlaskit components ask a feature-gate client that only Atlassian's own products initialise; it
// warns once and falls back to defaults. That one warning is expected here.
const realWarn = console.warn;
jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
  const first = args[0] as { gateName?: unknown } | undefined;
  if (first && typeof first === 'object' && 'gateName' in first) return;
  realWarn(...args);
});

// The page must render without React warnings or console errors: any is a test failure.
let consoleErrors: unknown[][] = [];
const realError = console.error;
beforeEach(() => {
  consoleErrors = [];
  jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    consoleErrors.push(args);
  });
});
afterEach(() => {
  (console.error as jest.Mock).mockRestore?.();
  if (consoleErrors.length > 0) {
    const text = consoleErrors.map((a) => a.map(String).join(' ')).join('\n');
    consoleErrors = [];
    realError(text);
    throw new Error(`console.error was called:\n${text.slice(0, 2000)}`);
  }
});
