/**
 * Real Bitbucket payloads shared by all teams, kept outside the repo (`<repo>/../shared/fixtures`).
 * Override the folder with BUILD_ALERTS_FIXTURES.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export function fixturesDir(): string {
  const override = process.env.BUILD_ALERTS_FIXTURES;
  return override ? path.resolve(override) : path.resolve(__dirname, '../../../shared/fixtures');
}

/** File names of every JSON fixture, sorted. */
export function listFixtures(): string[] {
  return readdirSync(fixturesDir())
    .filter((f) => f.endsWith('.json'))
    .sort();
}

/** Parsed JSON of one fixture; a fresh copy each call, so tests may mutate it. */
export function loadFixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(path.join(fixturesDir(), name), 'utf8')) as T;
}

/** Raw bytes, for signature checks over the exact body. */
export function loadFixtureBytes(name: string): Buffer {
  return readFileSync(path.join(fixturesDir(), name));
}
