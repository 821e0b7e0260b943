/**
 * docs/ (and python/README.md) tell the truth the way the README does (issue 27): every command block in every page is
 * marked and runs as written against the server shown with it (test/helpers/doc-commands.ts), its
 * links and anchors resolve, and it spells the Python interpreter one way.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokenLinks, docBlocks, docsEnv, ROOT, runBlocks, scratchCheckout } from './helpers/doc-commands.js';

const pages = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort();
// python/README.md is the Python package's front page (and its PyPI description): held the same way.
const files = [...pages.map((p) => `docs/${p}`), 'python/README.md'];

describe('docs/ pages (issue 27)', () => {
  it('are there: protocol, security, Python, hub, cores, recording, performance, serve', () => {
    for (const page of ['protocol', 'security', 'python', 'hub', 'cores', 'recording', 'performance', 'serve']) expect(pages).toContain(`${page}.md`);
  });

  for (const page of files) {
    describe(page, () => {
      const file = join(ROOT, page);
      const text = readFileSync(file, 'utf8');
      const { blocks, problems } = docBlocks(text);

      it('marks every command block, links to what exists, and spells things one way (python3, curl -s)', () => {
        expect(problems).toEqual([]);
        expect(brokenLinks(file, text)).toEqual([]);
        expect(text).not.toContain('/usr/bin/python3');
        for (const b of blocks) for (const curl of b.script.match(/\bcurl\b[^\n]*/g) ?? []) expect(curl).toMatch(/^curl -s/);
      });

      it.skipIf(blocks.every((b) => b.role === 'skip'))('runs every command as written, against the server shown with it', async () => {
        const { env, note } = docsEnv();
        if (note) console.warn(`${page}: ${note}`);
        expect(await runBlocks(blocks, { env, cwd: scratchCheckout() })).toEqual([]);
      }, 300_000);
    });
  }
});
