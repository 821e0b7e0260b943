/**
 * Issue 22: close codes, the request `id` and the `progress` schema are defined once, in
 * src/protocol/, and every socket kind (viewers and agents, publishers, `/broadcast`, the Unix
 * socket, the web viewer) and `POST /api/progress` use them. Scans the sources for second
 * definitions, and checks that the three parsers agree.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePublisherMessage } from '../src/hub/publisher-message.js';
import { parseProgress } from '../src/http/api.js';
import * as protocol from '../src/protocol/index.js';
import { parseClientMessage } from '../src/server/client-message.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}
const files = [...sources('src'), ...sources('web/src')].map((path) => ({ path: relative('.', path), text: readFileSync(path, 'utf8') }));

describe('defined once', () => {
  it('close codes: only src/protocol/close-codes.ts names a number; nobody closes with a bare number', () => {
    const defs = files.filter((f) => /\bconst CLOSE_(?![A-Z_]*_MS\b)[A-Z_]+\s*=\s*\d/.test(f.text)).map((f) => f.path);
    expect(defs).toEqual(['src/protocol/close-codes.ts']);
    const bare = files.filter((f) => /\.close\(\s*1\d{3}\b|code:\s*1\d{3}\b/.test(f.text)).map((f) => f.path);
    expect(bare).toEqual([]);
    expect(protocol).toMatchObject({ CLOSE_NORMAL: 1000, CLOSE_GOING_AWAY: 1001, CLOSE_POLICY_VIOLATION: 1008, CLOSE_TOO_BIG: 1009 });
  });

  it('the request id and the progress values: one schema each (src/protocol/fields.ts)', () => {
    const idDefs = files.filter((f) => f.text.includes('z.number().int().min(0).max(2 ** 32)')).map((f) => f.path);
    expect(idDefs).toEqual(['src/protocol/fields.ts']);
    const progressDefs = files.filter((f) => /values:\s*z\.record/.test(f.text) || /Object\.keys\(v\)\.length <= 64/.test(f.text)).map((f) => f.path);
    expect(progressDefs).toEqual([]);
  });

  it('a viewer/agent, a publisher and POST /api/progress accept and refuse the same training numbers', () => {
    const cases: Array<[Record<string, unknown>, boolean]> = [
      [{ reward: 1.5, step: 3 }, true],
      [{}, false],
      [{ loss: 'high' }, false],
      [{ ['k'.repeat(65)]: 1 }, false],
      [Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`v${i}`, i])), false],
      [Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`v${i}`, i])), true],
    ];
    const ok = (f: () => unknown) => {
      try {
        f();
        return true;
      } catch (err) {
        expect((err as { code?: string }).code).toBe('GBS_ERR_BAD_FIELD');
        return false;
      }
    };
    for (const [values, valid] of cases) {
      const record = { type: 'progress', id: 7, values };
      expect(ok(() => parseClientMessage(record)), JSON.stringify(values).slice(0, 60)).toBe(valid);
      expect(ok(() => parsePublisherMessage(record))).toBe(valid);
      expect(typeof parseProgress(JSON.stringify(values)) !== 'string').toBe(valid);
    }
    // A value only msgpack can carry: not a finite number.
    expect(ok(() => parseClientMessage({ type: 'progress', values: { x: Infinity } }))).toBe(false);
    expect(parseProgress('{"loss": "high"}')).toMatch(/"loss" must be a finite number/);
    expect(parseProgress('{}')).toMatch(/expected 1–64 values, got 0/);
    for (const bad of [-1, 1.5, 2 ** 32 + 1]) expect(ok(() => parsePublisherMessage({ type: 'ping', id: bad }))).toBe(false);
  });
});
