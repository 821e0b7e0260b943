/**
 * The grid's tools: a filter box (label text, or `field>n`), a sort choice (env, label or a
 * state field) and "follow best" by a state field. DOM glue only; EnvCatalog does the work.
 */
import { parseFilter, type Filter, type SortKey } from './env-catalog.js';

export class GridControls {
  readonly #filter: HTMLInputElement;
  readonly #sort: HTMLSelectElement;
  readonly #follow: HTMLSelectElement;
  #fields: string[] = [];
  /** Called whenever the filter, the sort or the follow choice changes. */
  onChange?: () => void;

  constructor(root: HTMLElement) {
    this.#filter = root.querySelector<HTMLInputElement>('[data-grid="filter"]')!;
    this.#sort = root.querySelector<HTMLSelectElement>('[data-grid="sort"]')!;
    this.#follow = root.querySelector<HTMLSelectElement>('[data-grid="follow"]')!;
    for (const el of [this.#filter, this.#sort, this.#follow]) el.addEventListener('input', () => this.onChange?.());
  }

  get filter(): Filter {
    return parseFilter(this.#filter.value);
  }

  get sort(): SortKey {
    const v = this.#sort.value;
    if (v === 'env' || v === 'label') return { kind: v };
    return { kind: 'field', field: v.replace(/^field:/, '') };
  }

  /** The field to follow, or undefined when "follow best" is off. */
  get follow(): string | undefined {
    return this.#follow.value ? this.#follow.value : undefined;
  }

  /** Offers the state fields seen so far as sort and follow choices (keeps the current choices). */
  setFields(fields: readonly string[]): void {
    if (fields.length === this.#fields.length && fields.every((f, i) => f === this.#fields[i])) return;
    this.#fields = [...fields];
    const sort = this.#sort.value;
    const follow = this.#follow.value;
    this.#sort.replaceChildren(option('env', 'env id'), option('label', 'label'), ...fields.map((f) => option(`field:${f}`, `${f} (highest first)`)));
    this.#follow.replaceChildren(option('', 'off'), ...fields.map((f) => option(f, f)));
    this.#sort.value = [...this.#sort.options].some((o) => o.value === sort) ? sort : 'env';
    this.#follow.value = [...this.#follow.options].some((o) => o.value === follow) ? follow : '';
  }
}

function option(value: string, text: string): HTMLOptionElement {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  return o;
}
