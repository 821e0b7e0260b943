/**
 * `gbstream bench`: runs the benchmark suites in bench/ (encode, record, emulator + pipeline,
 * fan-out) as real processes and prints their tables; `--json FILE` writes
 * `{ machine, results: [{ name, hz, rme, samples, … }], ratios }`.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { PACKAGE_ROOT } from '../paths.js';

export function benchCommand(): Command {
  return new Command('bench')
    .description('Run the benchmarks (encode, record, emulator/pipeline, fan-out) side by side and print a table.')
    .addOption(new Option('--filter <name>', 'only cases whose name contains NAME (e.g. encode, pipeline, fanout)'))
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
