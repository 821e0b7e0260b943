/**
 * Whether Debian's `ffmpeg` is on PATH (found the way `gbstream export` finds it), and why not:
 * tests that need it are skipped with that reason, never passed silently; `.ci/run` installs it.
 */
import { findFfmpeg } from '../../src/record/video-export.js';

export const ffmpegMissing: string | undefined = (() => {
  try {
    findFfmpeg();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
})();
if (ffmpegMissing) console.warn(`skipping video export tests: ${ffmpegMissing}`);
