import { basename } from 'node:path';
import YAML from 'yaml';
import { importRulesText, loadConfig } from '../app/config-store';
import { exportYaml } from '../app/resolvers';
import { formatFieldError, parseRulesText } from '../core/rules';
import { keys, repoKeyFromString } from '../core/storage-keys';
import { openCliDeps } from './cli-deps';
import { CliError, readText } from './cli-support';

export async function rulesValidate(file: string): Promise<void> {
  const text = readText(file);
  const parsed = parseRulesText(text, { fileName: basename(file) });
  if (!parsed.ok) {
    for (const e of parsed.error) process.stderr.write(`${formatFieldError(basename(file), e)}\n`);
    throw new CliError(`${file}: ${parsed.error.length} problem${parsed.error.length === 1 ? '' : 's'}`);
  }
  process.stdout.write(`${file}: valid (${parsed.value.rules.length} rules, ${parsed.value.channels.length} channels)\n`);
}

function targetFor(repository: string) {
  const repo = repoKeyFromString(repository);
  const isUuid = /^\{?[0-9a-f-]{36}\}?$/i.test(repository.trim());
  const uuid = isUuid ? `{${repository.trim().replace(/[{}]/g, '').toLowerCase()}}` : null;
  return { storeKey: keys.rules(repo), secretScope: repo, repository: { uuid, fullName: isUuid ? null : repository.trim() }, repo };
}

export async function rulesImport(file: string, options: { dataDir: string; repo?: string }): Promise<void> {
  const text = readText(file);
  let repository = options.repo;
  if (!repository) {
    const doc = (() => {
      try {
        return YAML.parse(text) as { repository?: unknown } | null;
      } catch {
        return null;
      }
    })();
    if (typeof doc?.repository === 'string') repository = doc.repository;
  }
  if (!repository) throw new CliError(`${file}: no "repository" in the file; pass --repo`);
  const deps = await openCliDeps(options.dataDir);
  try {
    const target = targetFor(repository);
    const result = await importRulesText(deps.deps, target, text, basename(file));
    if (!result.ok) {
      if (result.error.code === 'invalid') for (const e of result.error.fields) process.stderr.write(`${formatFieldError(basename(file), e)}\n`);
      throw new CliError(`${file}: ${result.error.message}`);
    }
    const existing = await deps.deps.store.get(keys.repoIndex(target.repo));
    if (!existing) {
      await deps.deps.store.set(keys.repoIndex(target.repo), { ...target.repository, slug: null, mainBranch: null, firstSeen: new Date().toISOString() });
    }
    process.stdout.write(`imported ${result.value.rules.length} rules and ${result.value.channels.length} channels for ${repository}\n`);
  } finally {
    await deps.close();
  }
}

export async function rulesExport(options: { repo: string; dataDir: string }): Promise<void> {
  const deps = await openCliDeps(options.dataDir);
  try {
    const target = targetFor(options.repo);
    const config = await loadConfig(deps.deps, target);
    if (!config) throw new CliError(`no rules stored for ${options.repo} in ${options.dataDir}`);
    process.stdout.write(exportYaml(config, { target }));
  } finally {
    await deps.close();
  }
}
