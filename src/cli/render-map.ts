/**
 * `gbstream render-map ROM --png OUT.png`: the world map drawn from the user's own Pokémon
 * Red/Blue/Yellow ROM (every map of the layout at its offset, 16 px a step, DMG shades,
 * transparent between maps), for users who want the picture itself. The same picture `serve`
 * and `hub --map-rom` put under the Map view. Nothing of it ships with gbstream.
 */
import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { ConfigError } from '../config-error.js';
import { layoutPath, loadLayout } from '../map/layout.js';
import { renderWorld } from '../map/rom/render.js';
import { findMapTables } from '../map/rom/tables.js';
import { encodeWorldPng } from '../map/rom/world-png.js';
import { LAYOUTS_DIR } from '../paths.js';
import { loadRomFile } from '../rom/load.js';

interface RenderMapFlags {
  png: string;
  layout: string;
  force: boolean;
}

export function renderMapCommand(): Command {
  return new Command('render-map')
    .description("Draw the world map from your own Pokémon Red/Blue/Yellow ROM's map data into a PNG (16 px a step, DMG shades).")
    .argument('<rom>', 'a Pokémon Red, Blue or Yellow ROM (English)')
    .requiredOption('--png <file>', 'where to write the PNG')
    .addOption(new Option('--layout <name|file>', 'layout placing each map id: a bundled name or a layout JSON file').default('kanto-map-layout'))
    .addOption(new Option('--force', 'draw from a ROM whose header checksum is wrong').default(false))
    .action(async (romPath: string, flags: RenderMapFlags) => {
      const rom = await loadRomFile(romPath, { force: flags.force });
      const tables = findMapTables(rom.bytes);
      if (!tables) throw new ConfigError('GBS_ERR_MAP_ROM', `ROM "${romPath}" (title "${rom.info.title}") is not Pokémon Red, Blue or Yellow: it has no map data gbstream can read`);
      const layout = await loadLayout(layoutPath(flags.layout, LAYOUTS_DIR));
      const world = renderWorld(rom.bytes, tables, layout);
      for (const f of world.failed) process.stderr.write(`gbstream: map ${f.mapId} left out: ${f.message}\n`);
      const png = encodeWorldPng(world);
      try {
        await writeFile(flags.png, png);
      } catch (err) {
        throw new ConfigError('GBS_ERR_MAP_ROM', `cannot write "${flags.png}": ${(err as Error).message}`);
      }
      process.stdout.write(`gbstream: wrote ${flags.png} — ${world.drawn.length} maps of "${layout.name}", ${world.width}×${world.height} px, ${png.byteLength} bytes\n`);
    });
}
