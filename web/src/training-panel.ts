/**
 * The "Training" panel: steps/s and ETA on top, then per key its latest value and a small chart
 * of its recent updates. Hidden until the first `progress` record. DOM only; the numbers come
 * from ProgressTracker.
 */
import { formatDuration, formatValue, MAX_KEYS, type ProgressTracker } from './progress.js';
import { drawSparkline } from './sparkline.js';

const COLOURS = ['#7fb3ff', '#4caf50', '#ffb300', '#ef9a9a', '#ce93d8', '#80cbc4'];

interface Row {
  value: HTMLElement;
  chart: HTMLCanvasElement;
  colour: string;
}

export class TrainingPanel {
  readonly #section: HTMLElement;
  readonly #rate: HTMLElement;
  readonly #eta: HTMLElement;
  readonly #updated: HTMLElement;
  readonly #keys: HTMLElement;
  readonly #more: HTMLElement;
  readonly #rows = new Map<string, Row>();

  constructor(section: HTMLElement) {
    this.#section = section;
    const q = (sel: string) => {
      const node = section.querySelector<HTMLElement>(sel);
      if (!node) throw new Error(`training panel: missing ${sel}`);
      return node;
    };
    this.#rate = q('[data-training="rate"]');
    this.#eta = q('[data-training="eta"]');
    this.#updated = q('[data-training="updated"]');
    this.#keys = q('[data-training="keys"]');
    this.#more = q('[data-training="more"]');
  }

  render(tracker: ProgressTracker, source: string | undefined): void {
    this.#section.hidden = false;
    const rate = tracker.stepRate;
    this.#rate.textContent = rate === undefined ? '–' : formatValue(rate);
    const eta = tracker.eta;
    this.#eta.textContent = eta === undefined ? (tracker.total === undefined ? 'no total' : '–') : eta === 0 ? 'done' : formatDuration(eta);
    this.#updated.textContent = `${tracker.updates} update${tracker.updates === 1 ? '' : 's'}${source ? ` from ${source}` : ''}`;
    for (const key of tracker.keys) {
      const row = this.#rows.get(key.name) ?? this.#addRow(key.name);
      row.value.textContent = formatValue(key.latest);
      drawSparkline(row.chart, key.series, row.colour, { fromZero: false, stretch: true });
    }
    const more = tracker.ignoredKeys;
    this.#more.hidden = more === 0;
    this.#more.textContent = `${more} more key${more === 1 ? '' : 's'} not shown (at most ${MAX_KEYS}).`;
  }

  #addRow(name: string): Row {
    const item = document.createElement('div');
    item.className = 'training-key';
    item.dataset['key'] = name;
    const head = document.createElement('div');
    head.className = 'training-head';
    const label = document.createElement('span');
    label.className = 'training-name';
    label.textContent = name;
    const value = document.createElement('span');
    value.className = 'training-value';
    value.dataset['progress'] = name;
    head.append(label, value);
    const chart = document.createElement('canvas');
    chart.width = 240;
    chart.height = 28;
    chart.setAttribute('role', 'img');
    chart.setAttribute('aria-label', `${name}, recent updates`);
    item.append(head, chart);
    this.#keys.append(item);
    const row = { value, chart, colour: COLOURS[this.#rows.size % COLOURS.length]! };
    this.#rows.set(name, row);
    return row;
  }
}
