/**
 * WebSocket close codes gbstream's servers close with and its clients read (RFC 6455 §7.4.1),
 * defined once for `/ws` viewers and agents, publishers, `/broadcast` and the Unix-socket
 * transport (which sends them in an `error` record before it closes). Browser-safe: no imports.
 */

/** The peer is done (a viewer closing its page). */
export const CLOSE_NORMAL = 1000;
/** The server is shutting down, or a silent `/broadcast` socket was let go. */
export const CLOSE_GOING_AWAY = 1001;
/** A kind of message the endpoint does not take (binary on `/broadcast`). */
export const CLOSE_UNSUPPORTED_DATA = 1003;
/** Never sent: what a connection that went away without a close frame is reported with. */
export const CLOSE_ABNORMAL = 1006;
/** A message that is not what it claims (malformed StreamWrapper JSON). */
export const CLOSE_INVALID_PAYLOAD = 1007;
/** A client that keeps breaking the rules: rate limits, failed auths. */
export const CLOSE_POLICY_VIOLATION = 1008;
/** A message over the connection's size limit (ws sends it too, past its receiver's limit). */
export const CLOSE_TOO_BIG = 1009;
