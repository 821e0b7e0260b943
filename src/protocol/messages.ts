/**
 * The one message schema of protocol v1, shared by server, viewer, recorder and tests.
 *
 * A record on the wire is `uint32 BE length` + one msgpack map; every map has a `type`.
 * Server → client: hello, frame, stats, event, ack, error, pong, states.
 * Client → server: ping, input, command, subscribe.
 * Publisher ↔ server (a connection opened with the `gbstream.publish.v1` subprotocol): after
 * `auth`, the publisher sends announce, pub_frame, pub_state, progress; the server answers with
 * announced and demand (see `PublisherMessage`).
 *
 * The types live in one file per role — server-messages.ts (server → client), map-messages.ts
 * (the Map view's positions), client-messages.ts (viewer and agent requests), publisher-messages.ts
 * (publisher ↔ server), cluster-messages.ts (node ↔ node in a cluster), input-log.ts (the recorder's input log: start, inputs, checkpoint, episode) — and are all re-exported here, the one module the rest of the code imports.
 */
import type { ClientMessage } from './client-messages.js';
import type { AnnouncedMessage, DemandMessage, PublisherMessage } from './publisher-messages.js';
import type { ServerMessage } from './server-messages.js';
import type { InputLogMessage } from './input-log.js';
import type { ClusterMessage } from './cluster-messages.js';

export * from './server-messages.js';
export * from './map-messages.js';
export * from './client-messages.js';
export * from './publisher-messages.js';
export type * from './input-log.js';
export type * from './cluster-messages.js';

/** Any record of protocol v1, in either direction. */
export type AnyMessage = ServerMessage | ClientMessage | PublisherMessage | AnnouncedMessage | DemandMessage | InputLogMessage | ClusterMessage;
