/**
 * Safe readers for untrusted, already-parsed JSON. Hand-written guards instead of a schema library:
 * normalizers read a handful of fields per event and run thousands of times per second, and every
 * reader must tolerate hostile input (wrong types, nulls, arrays where objects are expected).
 */
import type { NormalizeError } from './normalize-error';

export type Obj = { readonly [key: string]: unknown };

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Own properties only: a payload key such as "constructor" must never reach Object.prototype. */
export function get(v: unknown, ...keys: readonly string[]): unknown {
  let cur: unknown = v;
  for (const key of keys) {
    if (!isObj(cur) || !Object.prototype.hasOwnProperty.call(cur, key)) return undefined;
    cur = cur[key];
  }
  return cur;
}

export const obj = (v: unknown): Obj | undefined => (isObj(v) ? v : undefined);
export const arr = (v: unknown): readonly unknown[] | undefined => (Array.isArray(v) ? v : undefined);
/** A string, or null for anything else (including ""). */
export const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
/** A string as given ("" kept), or null for non-strings. */
export const rawStr = (v: unknown): string | null => (typeof v === 'string' ? v : null);
export const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
export const int = (v: unknown): number | null => {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && /^\d{1,15}$/.test(v)) return Number(v);
  return null;
};
/** First string of an array of link objects, as Data Center writes `links.self: [{href}]`. */
export const firstHref = (v: unknown): string | null => {
  const list = arr(v);
  if (list) return str(get(list[0], 'href'));
  return str(get(v, 'href'));
};

export const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Reads required fields and keeps the first problem as a one-line message naming the event and the
 * path, e.g. `repo:commit_status_updated: body.commit_status.state is missing`.
 */
export class Need {
  private problem: string | null = null;

  constructor(private readonly what: string) {}

  get failed(): boolean {
    return this.problem !== null;
  }

  error(): NormalizeError {
    return { message: this.problem ?? `${this.what}: invalid payload` };
  }

  fail(path: string, problem: string): undefined {
    if (this.problem === null) this.problem = `${this.what}: ${path} ${problem}`;
    return undefined;
  }

  private wrong(v: unknown, path: string, expected: string): undefined {
    return this.fail(path, v === undefined || v === null ? 'is missing' : `must be ${expected}, got ${typeName(v)}`);
  }

  obj(v: unknown, path: string): Obj | undefined {
    return isObj(v) ? v : this.wrong(v, path, 'an object');
  }

  arr(v: unknown, path: string): readonly unknown[] | undefined {
    return Array.isArray(v) ? v : this.wrong(v, path, 'an array');
  }

  str(v: unknown, path: string): string | undefined {
    if (typeof v === 'string') return v.length > 0 ? v : this.fail(path, 'is empty');
    return this.wrong(v, path, 'a string');
  }

  int(v: unknown, path: string): number | undefined {
    const n = int(v);
    return n !== null ? n : this.wrong(v, path, 'an integer');
  }

  /** An optional field that, when present, must have the right type. */
  optStr(v: unknown, path: string): string | null {
    if (v === undefined || v === null) return null;
    if (typeof v === 'string') return v.length > 0 ? v : null;
    this.fail(path, `must be a string, got ${typeName(v)}`);
    return null;
  }
}
