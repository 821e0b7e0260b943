/**
 * The game-state panel: one row per field named in `hello`, values updated live, a changed value
 * briefly highlighted.
 */
export const HIGHLIGHT_MS = 700;

export class StatePanel {
  readonly #root: HTMLElement;
  #cells = new Map<string, { value: HTMLElement; last: number | undefined; timer: number }>();

  constructor(root: HTMLElement) {
    this.#root = root;
  }

  setFields(fields: readonly string[]): void {
    const same = fields.length === this.#cells.size && fields.every((f) => this.#cells.has(f));
    if (same) return;
    this.#root.replaceChildren();
    this.#cells.clear();
    if (fields.length === 0) {
      const p = document.createElement('p');
      p.className = 'muted';
      p.textContent = 'No memory map for this ROM.';
      this.#root.append(p);
      return;
    }
    for (const name of fields) {
      const dt = document.createElement('dt');
      dt.textContent = name;
      const dd = document.createElement('dd');
      dd.textContent = '–';
      dd.dataset['field'] = name;
      this.#root.append(dt, dd);
      this.#cells.set(name, { value: dd, last: undefined, timer: 0 });
    }
  }

  /** Forgets the shown values (the focus moved to another env): no highlight on the next update. */
  clear(): void {
    for (const cell of this.#cells.values()) {
      clearTimeout(cell.timer);
      cell.value.classList.remove('changed');
      cell.value.textContent = '–';
      cell.last = undefined;
    }
  }

  update(state: Record<string, unknown>): void {
    for (const [name, cell] of this.#cells) {
      const v = state[name];
      if (typeof v !== 'number' || v === cell.last) continue;
      cell.value.textContent = String(v);
      if (cell.last !== undefined) {
        cell.value.classList.add('changed');
        clearTimeout(cell.timer);
        cell.timer = window.setTimeout(() => cell.value.classList.remove('changed'), HIGHLIGHT_MS);
      }
      cell.last = v;
    }
  }
}
