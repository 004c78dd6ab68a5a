/**
 * The data dir holds channel secrets (webhook URLs with tokens, API keys) in clear: only the user
 * running the runtime may read it. LMDB creates its files with 0644 under the usual umask, so they
 * are created here first (0600) and tightened when an older version left them readable.
 */
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** mkdir -p with 0700, and 0700 on a directory that already existed. */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/** An LMDB environment directory whose data.mdb and lock.mdb exist with 0600 before lmdb opens them. */
export function prepareLmdbDir(dir: string): void {
  privateDir(dir);
  for (const name of ['data.mdb', 'lock.mdb']) {
    const file = join(dir, name);
    // 'a' creates with the mode given, or opens an existing file without changing it.
    closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
    chmodSync(file, PRIVATE_FILE_MODE);
  }
}
