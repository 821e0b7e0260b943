/**
 * A disk in memory for the recorder, with the conditions a real disk can't be made to show on
 * demand: a slow `writev` that resolves when the test says, short writes (fewer bytes than asked,
 * no error — what libuv reports when a later buffer of a vectored write fails), a failing
 * `datasync`, an `open` that resolves later. It logs every call so tests can check the order.
 */
import type { OpenRecordFile, RecordFile } from '../../src/record/recorder.js';

export interface FakeDiskFile {
  bytes: Buffer;
  open: boolean;
}

export class FakeDisk {
  readonly files = new Map<string, FakeDiskFile>();
  readonly log: string[] = [];
  /** While set, every `writev` waits for `release()`. */
  slow = false;
  /** The next `writev` writes only this many bytes (then the value is cleared). */
  shortNext: number | undefined;
  /** Every `writev` writes 0 bytes and reports no error. */
  writeNothing = false;
  /** Every `writev` after this many (counted from now on) throws ENOSPC. */
  failWritesAfter: number | undefined;
  /** `datasync` throws EIO when true. */
  failSync = false;
  /** While set, `open` waits for `releaseOpen()`. */
  slowOpen = false;
  #waiting: Array<() => void> = [];
  #waitingOpens: Array<() => void> = [];

  /** Resolves every `writev` waiting on a slow disk. */
  release(): void {
    for (const go of this.#waiting.splice(0)) go();
  }

  releaseOpen(): void {
    for (const go of this.#waitingOpens.splice(0)) go();
  }

  get pendingWrites(): number {
    return this.#waiting.length;
  }

  get pendingOpens(): number {
    return this.#waitingOpens.length;
  }

  /** Handles opened and not closed. */
  get openHandles(): number {
    let n = 0;
    for (const f of this.files.values()) if (f.open) n++;
    return n;
  }

  readonly open: OpenRecordFile = async (path) => {
    this.log.push(`open ${path}`);
    if (this.slowOpen) await new Promise<void>((go) => this.#waitingOpens.push(go));
    const entry: FakeDiskFile = { bytes: Buffer.alloc(0), open: true };
    this.files.set(path, entry);
    return this.#handle(path, entry);
  };

  readonly syncDir = async (path: string): Promise<void> => {
    this.log.push(`syncdir ${path}`);
  };

  #handle(path: string, entry: FakeDiskFile): RecordFile {
    const disk = this;
    return {
      async writev(chunks) {
        if (!entry.open) throw new Error(`write to closed ${path}`);
        disk.log.push(`writev ${path}`);
        if (disk.slow) await new Promise<void>((go) => disk.#waiting.push(go));
        if (disk.failWritesAfter !== undefined && disk.failWritesAfter-- <= 0) {
          throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        }
        let all = Buffer.concat(chunks);
        if (disk.writeNothing) all = all.subarray(0, 0);
        if (disk.shortNext !== undefined) {
          all = all.subarray(0, disk.shortNext);
          disk.shortNext = undefined;
        }
        entry.bytes = Buffer.concat([entry.bytes, all]);
        return { bytesWritten: all.length };
      },
      async datasync() {
        disk.log.push(`datasync ${path}`);
        if (disk.failSync) throw Object.assign(new Error('i/o error'), { code: 'EIO' });
      },
      async truncate(length) {
        disk.log.push(`truncate ${path} ${length}`);
        entry.bytes = entry.bytes.subarray(0, length);
      },
      async close() {
        disk.log.push(`close ${path}`);
        entry.open = false;
      },
    };
  }

  bytes(path: string): Buffer {
    const f = this.files.get(path);
    if (!f) throw new Error(`no file ${path}; files: ${[...this.files.keys()].join(', ')}`);
    return f.bytes;
  }
}
