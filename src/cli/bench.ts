/**
 * `gbstream bench`: runs the benchmark suites in bench/ (listed in bench/suites.json, which
 * bench/run.mjs runs and the help text names) as real processes and prints their tables; `--json FILE` writes
 * `{ machine, results: [{ name, hz, rme, samples, … }], ratios }`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { PACKAGE_ROOT } from '../paths.js';

/** The suites' case-name prefixes (`emulator/pipeline` for a suite with two), from the list run.mjs runs. */
function suiteNames(): string {
  try {
    const suites = JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'bench', 'suites.json'), 'utf8')) as Array<{ prefixes: string[] }>;
    return suites.map((s) => s.prefixes.join('/')).join(', ');
  } catch {
    return 'see bench/suites.json'; // an install without bench/: the help still prints
  }
}

export function benchCommand(): Command {
  const names = suiteNames();
  return new Command('bench')
    .description(`Run the benchmarks (${names}) side by side and print a table.`)
    .addOption(new Option('--filter <name>', `only cases whose name contains NAME (suites: ${names})`))
    .addOption(new Option('--json <file>', 'also write the results as JSON'))
    .addOption(new Option('--quick', 'shorter runs (fewer viewers and seconds)'))
    .action(async (flags: { filter?: string; json?: string; quick?: boolean }) => {
      const args = [resolve(PACKAGE_ROOT, 'bench', 'run.mjs')];
      if (flags.filter) args.push('--filter', flags.filter);
      if (flags.json) args.push('--json', resolve(flags.json));
      if (flags.quick) args.push('--quick');
      const code = await new Promise<number>((done) => {
        const child = spawn(process.execPath, args, { cwd: PACKAGE_ROOT, stdio: 'inherit' });
        child.on('exit', (c) => done(c ?? 1));
      });
      process.exitCode = code;
    });
}
