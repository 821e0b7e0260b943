/**
 * Button scripts: a text file of steps played in a loop. One step a line:
 *
 *   # walk right, press A, wait
 *   right 30        hold Right for 30 frames
 *   a+b 5           hold A and B together for 5 frames
 *   wait 60         hold nothing for 60 frames
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../config-error.js';
import { BUTTONS, type Button } from '../protocol/messages.js';
import type { Policy } from './policy.js';

export interface ScriptStep {
  buttons: Button[];
  frames: number;
}

/** Parses script text. @throws ConfigError naming the line and the bad token. */
export function parseScript(text: string, origin: string): ScriptStep[] {
  const steps: ScriptStep[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const fail = (why: string) => {
      throw new ConfigError('GBS_ERR_SCRIPT_INVALID', `script "${origin}" line ${i + 1}: ${why} in "${raw.trim()}"`);
    };
    const parts = line.split(/\s+/);
    if (parts.length !== 2) fail('expected "BUTTONS FRAMES" (e.g. "right 30" or "a+b 5")');
    const [what, count] = parts as [string, string];
    const frames = Number(count);
    if (!Number.isInteger(frames) || frames < 1 || frames > 1_000_000) fail(`frame count "${count}" is not an integer 1–1000000`);
    const buttons: Button[] = [];
    if (what.toLowerCase() !== 'wait') {
      for (const name of what.toLowerCase().split('+')) {
        if (!(BUTTONS as readonly string[]).includes(name)) fail(`unknown button "${name}" (use ${BUTTONS.join(', ')} or wait)`);
        buttons.push(name as Button);
      }
    }
    steps.push({ buttons, frames });
  });
  if (steps.length === 0) throw new ConfigError('GBS_ERR_SCRIPT_INVALID', `script "${origin}" has no steps`);
  return steps;
}

export function scriptPolicy(steps: readonly ScriptStep[], origin = 'script'): Policy {
  const total = steps.reduce((n, s) => n + s.frames, 0);
  return {
    name: `script(${origin})`,
    buttons(frame) {
      let t = frame % total;
      for (const step of steps) {
        if (t < step.frames) return step.buttons;
        t -= step.frames;
      }
      return [];
    },
  };
}

export async function loadScriptPolicy(path: string): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError('GBS_ERR_SCRIPT_UNREADABLE', `script "${path}" ${code === 'ENOENT' ? 'does not exist' : (err as Error).message}`);
  }
  return scriptPolicy(parseScript(text, path), path);
}
