/**
 * `gbstream inspect FILE --verify --rom ROM [--json]`: re-runs every env of an input-log recording
 * on its recorded core at full speed and reports, per env, frames, episodes (length, score),
 * checkpoints verified, the first desynced frame, and the re-run speed. Exit 3 on a desync; a
 * ROM with another SHA-1, a core not installed or a file without an input log: one line, exit 1.
 */
import { loadRomFile } from '../rom/load.js';
import { formatVerifyReport, openInputLog, verifyInputLog } from '../record/inputs/verify.js';

/** Exit code when a re-run drew a different picture at a checkpoint. */
export const DESYNC_EXIT_CODE = 3;

export async function inspectVerify(file: string, romPath: string, json: boolean): Promise<void> {
  const log = await openInputLog(file);
  const rom = await loadRomFile(romPath, { force: true });
  const report = await verifyInputLog(file, log, rom.bytes, romPath);
  process.stdout.write(json ? JSON.stringify(report, null, 2) + '\n' : formatVerifyReport(report));
  if (report.desynced) process.exitCode = DESYNC_EXIT_CODE;
}
