/** A record file whose first write succeeds and every later one fails with ENOSPC (disk full). */
import type { RecordFile } from '../../src/record/recorder.js';

export function diskFullAfterFirstWrite(): RecordFile {
  let writes = 0;
  return {
    writev: async (chunks) => {
      if (++writes > 1) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      return { bytesWritten: chunks.reduce((n, c) => n + c.byteLength, 0) };
    },
    datasync: async () => undefined,
    close: async () => undefined,
  };
}
