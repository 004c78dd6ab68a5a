/**
 * `build-alerts`: normalize payloads, validate/import/export rules, serve the local runtime, replay
 * fixtures. Errors are one line on stderr, never a stack trace, with a non-zero exit.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { CliError, collectHeader } from './cli-support';

// Command modules load on use, so `normalize` does not pay for the store, server and channels.
/* eslint-disable @typescript-eslint/no-require-imports */
const serveCommand = (...a: Parameters<typeof import('./serve-command').serveCommand>) => require('./serve-command').serveCommand(...a);
const normalizeCommand = (...a: Parameters<typeof import('./normalize-command').normalizeCommand>) => require('./normalize-command').normalizeCommand(...a);
const rulesValidate = (...a: Parameters<typeof import('./rules-commands').rulesValidate>) => require('./rules-commands').rulesValidate(...a);
const rulesImport = (...a: Parameters<typeof import('./rules-commands').rulesImport>) => require('./rules-commands').rulesImport(...a);
const rulesExport = (...a: Parameters<typeof import('./rules-commands').rulesExport>) => require('./rules-commands').rulesExport(...a);
const activityCommand = (...a: Parameters<typeof import('./activity-command').activityCommand>) => require('./activity-command').activityCommand(...a);
const deadLettersCommand = (...a: Parameters<typeof import('./dead-letters-command').deadLettersCommand>) => require('./dead-letters-command').deadLettersCommand(...a);
const replayCommand = (...a: Parameters<typeof import('./replay-command').replayCommand>) => require('./replay-command').replayCommand(...a);

const parsePort = (value: string): number => {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 0 || port > 65535) throw new InvalidArgumentError(`"${value}" is not a port number (0-65535)`);
  return port;
};

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('build-alerts')
    .description('Build Alerts for Bitbucket: alerts your channels when a build fails and when it recovers.')
    .version(require('../../package.json').version as string)
    .showHelpAfterError('(run build-alerts --help for usage)')
    .exitOverride();

  program
    .command('serve')
    .description('run the app locally: store, queue, webhooks, settings page')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', parsePort, 8787)
    .option('--data-dir <dir>', 'where the store and queue live', '.build-alerts')
    .action(serveCommand);

  program
    .command('normalize')
    .description('print the RepoEvent for a Bitbucket payload (Forge event, webhook body, Pipelines API object)')
    .argument('<file>', 'JSON file')
    .option('--header <header>', 'a header Bitbucket sent, "Name: value" (repeatable)', collectHeader, [])
    .action(normalizeCommand);

  const rules = program.command('rules').description('validate, import and export rules files');
  rules.command('validate').description('check a rules file (YAML or JSON)').argument('<file>').action(rulesValidate);
  rules
    .command('import')
    .description('store a rules file for its repository in a local data dir')
    .argument('<file>')
    .option('--data-dir <dir>', 'local data dir', '.build-alerts')
    .option('--repo <repo>', 'repository (uuid with braces or workspace/slug); default: the file\'s "repository"')
    .action(rulesImport);
  rules
    .command('export')
    .description('print a repository\'s rules as YAML (secrets masked)')
    .requiredOption('--repo <repo>', 'repository (uuid with braces or workspace/slug)')
    .option('--data-dir <dir>', 'local data dir', '.build-alerts')
    .action(rulesExport);

  program
    .command('activity')
    .description('what became of a repository\'s last events and why (JSON lines, newest first)')
    .requiredOption('--repo <repo>', 'repository (uuid with braces or workspace/slug)')
    .option('--data-dir <dir>', 'local data dir', '.build-alerts')
    .option('--limit <n>', 'how many entries (1-100)', '50')
    .action(activityCommand);

  program
    .command('dead-letters')
    .description('jobs set aside after failing permanently or too often (JSON lines, newest first)')
    .option('--repo <repo>', 'only this repository (uuid with braces or workspace/slug)')
    .option('--data-dir <dir>', 'local data dir', '.build-alerts')
    .action(deadLettersCommand);

  program
    .command('replay')
    .description('post fixture files to a running local runtime')
    .argument('<dir>', 'folder (or file) of JSON payloads')
    .option('--url <url>', 'runtime base URL', 'http://127.0.0.1:8787')
    .option('--header <header>', 'header to send with webhook payloads, "Name: value" (repeatable)', collectHeader, [])
    .option('--secret <secret>', 'sign webhook bodies with X-Hub-Signature (default: $BUILD_ALERTS_WEBHOOK_SECRET)')
    .action(replayCommand);

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed the message (and help for --help/--version, which exit 0)
      return e.exitCode;
    }
    if (e instanceof CliError) {
      process.stderr.write(`build-alerts: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`build-alerts: unexpected error: ${(e as Error).message.split('\n')[0]}\n`);
    return 1;
  }
}

if (require.main === module || process.argv[1]?.endsWith('build-alerts.js') || process.argv[1]?.endsWith('build-alerts')) {
  main(process.argv).then((code) => {
    if (code !== 0) process.exitCode = code;
  });
}
