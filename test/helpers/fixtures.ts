/**
 * Real Bitbucket payloads published by others (see test/fixtures/shared/SOURCES.md), copied
 * byte for byte from the team's shared folder so a clean clone tests the same files.
 * Point BUILD_ALERTS_FIXTURES at another folder (e.g. ../shared/fixtures) to run against it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export function fixturesDir(): string {
  const override = process.env.BUILD_ALERTS_FIXTURES;
  return override ? path.resolve(override) : path.resolve(__dirname, '../fixtures/shared');
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

/** Raw text, for webhook bodies posted exactly as Bitbucket sent them. */
export function loadFixtureText(name: string): string {
  return loadFixtureBytes(name).toString('utf8');
}
