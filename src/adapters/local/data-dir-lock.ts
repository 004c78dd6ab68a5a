/**
 * One runtime per data dir. Two processes on one LMDB environment would each run the same queued
 * jobs (every alert sent twice) and each answer the same port's clients with different state.
 *
 * `<dataDir>/serve.lock` is created with O_EXCL (`wx`) and holds `{ pid, host, token }`; it is
 * removed on a clean shutdown. A lock left by a process that is gone (crash, kill -9) is taken
 * over: same host and the pid no longer exists, or the pid is our own (a container restarted with
 * the same pid). A lock from another host (a shared volume) is never taken over.
 * proper-lockfile decides staleness by mtime and cannot name the holder, hence this small file.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PRIVATE_FILE_MODE } from './store/private-files';

export const LOCK_FILE = 'serve.lock';

export class DataDirLockedError extends Error {}

export interface DataDirLock {
  path: string;
  release(): void;
}

interface LockContent {
  pid: number;
  host: string;
  token: string;
  since: string;
}

/** Data dirs locked by this process (a second runtime in the same process has the same pid). */
const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function readLock(path: string): LockContent | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    return typeof parsed.pid === 'number' && typeof parsed.host === 'string' ? (parsed as LockContent) : null;
  } catch {
    return null;
  }
}

export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  const inUse = (holder: LockContent | null): DataDirLockedError =>
    new DataDirLockedError(
      `data dir "${dataDir}" is in use by another build-alerts serve (${holder ? `pid ${holder.pid}${holder.host !== hostname() ? ` on host ${holder.host}` : ''}` : 'unknown pid'}; lock file ${path}); stop that process, or delete the lock file if it is gone`,
    );
  if (heldHere.has(path)) throw inUse({ pid: process.pid, host: hostname(), token: '', since: '' });

  const content: LockContent = { pid: process.pid, host: hostname(), token: randomBytes(12).toString('hex'), since: new Date().toISOString() };
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = openSync(path, 'wx', PRIVATE_FILE_MODE);
      try {
        writeSync(fd, JSON.stringify(content));
      } finally {
        closeSync(fd);
      }
      heldHere.add(path);
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          heldHere.delete(path);
          // Only our own lock: if it was taken over meanwhile, it is not ours to remove.
          if (readLock(path)?.token === content.token) {
            try {
              unlinkSync(path);
            } catch {
              // already gone
            }
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readLock(path);
    // A half-written lock (a process killed between create and write) counts as stale only when old
    // enough that its writer cannot still be finishing it.
    const stale = holder
      ? holder.host === hostname() && (holder.pid === process.pid || !alive(holder.pid))
      : lockAgeMs(path) > 5_000;
    if (!stale) throw inUse(holder);
    // Move the stale lock aside (atomic), then try to create ours again; a process that raced us to
    // the same stale lock finds either nothing to move or our fresh lock, which it will not move.
    try {
      const aside = `${path}.stale-${process.pid}-${Date.now()}`;
      renameSync(path, aside);
      const moved = readLock(aside);
      if (moved && holder && moved.token !== holder.token) {
        // We moved a fresh lock another process had just created: put it back and give up.
        renameSync(aside, path);
        throw inUse(moved);
      }
      unlinkSync(aside);
    } catch (e) {
      if (e instanceof DataDirLockedError) throw e;
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  throw inUse(readLock(path));
}

function lockAgeMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return Infinity;
  }
}
