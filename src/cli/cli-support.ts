import { readFileSync } from 'node:fs';

/** An expected failure: printed as one line, exit code 1 (or given). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

export function collectHeader(value: string, previous: string[]): string[] {
  if (!/^[A-Za-z0-9-]+:\s*.*$/.test(value)) throw new CliError(`--header "${value}" is not "Name: value"`);
  return [...previous, value];
}

export function headersFrom(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of list) {
    const i = line.indexOf(':');
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `${file}: no such file` : code === 'EISDIR' ? `${file}: is a directory` : `${file}: cannot read (${code ?? 'error'})`);
  }
}

export function parseJsonFile(file: string, maxBytes = 10 * 1024 * 1024): unknown {
  const text = readText(file);
  if (Buffer.byteLength(text) > maxBytes) throw new CliError(`${file}: larger than ${maxBytes} bytes`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${file}: malformed JSON: ${(e as Error).message.replace(/\s+/g, ' ')}`);
  }
}

export const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};
