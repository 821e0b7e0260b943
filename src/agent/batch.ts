/**
 * One answer for a batched `reset`/`step`: the envs' observations side by side, their screens
 * packed into one binary field, the record's last, so a client turns it into an (n, height,
 * width[, channels]) array without a copy per env.
 */
import type { Observation } from '../envs/env.js';
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { ObsBatchMessage } from '../protocol/messages.js';

/**
 * Packs observations (in request order) into an `obsBatch` record.
 * @throws GbsError when the envs answered with screens of different sizes or formats (a bug).
 */
export function packObservations(observations: readonly Observation[], id?: number): ObsBatchMessage {
  const message: ObsBatchMessage = {
    type: 'obsBatch',
    id,
    envs: observations.map((o) => o.env),
    frames: observations.map((o) => o.frame),
    states: observations.map((o) => o.state),
  };
  const first = observations[0];
  if (!first?.screen) return message;
  const size = first.screen.byteLength;
  const screen = new Uint8Array(size * observations.length);
  observations.forEach((o, i) => {
    if (!o.screen || o.screen.byteLength !== size || o.screenFormat !== first.screenFormat) {
      throw new GbsError(ErrorCode.Unsupported, `env ${o.env} answered with a ${o.screenFormat ?? 'missing'} screen of ${o.screen?.byteLength ?? 0} bytes; env ${first.env} with ${first.screenFormat} of ${size}`);
    }
    screen.set(o.screen, i * size);
  });
  // `screen` last: a client that knows the batch's size reads the record up to it, then the
  // screens straight into its observation array (python/gbstream/_stream.py).
  return { ...message, screenFormat: first.screenFormat, width: first.width, height: first.height, screen };
}
