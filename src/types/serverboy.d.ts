// serverboy ships no types; this is the part of its interface gbstream uses.
declare module 'serverboy' {
  class Gameboy {
    static KEYMAP: Record<'RIGHT' | 'LEFT' | 'UP' | 'DOWN' | 'A' | 'B' | 'SELECT' | 'START', number>;
    loadRom(rom: Uint8Array | Buffer | string, saveData?: number[]): boolean;
    doFrame(): number[];
    pressKeys(keys: number[]): void;
    getScreen(): number[];
    getMemory(): number[];
  }
  export = Gameboy;
}
