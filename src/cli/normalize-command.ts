import { normalize } from '../core/events';
import { CliError, headersFrom, parseJsonFile, print } from './cli-support';

export async function normalizeCommand(file: string, options: { header: string[] }): Promise<void> {
  const body = parseJsonFile(file);
  const result = normalize({ body, headers: headersFrom(options.header) });
  if (!result.ok) throw new CliError(`${file}: ${result.error.message}`);
  print(result.value);
}
