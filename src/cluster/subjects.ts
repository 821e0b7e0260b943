/**
 * The NATS subjects of a gbstream cluster, and node names that are safe in them. Pure.
 *
 *   gbs.v1.node                  announcements of every node (everyone listens)
 *   gbs.v1.lease.<owner>         demand leases for <owner>'s envs
 *   gbs.v1.frame.<owner>.<env>   frames of one env, only while some node holds a lease on it
 *   gbs.v1.states.<owner>        <owner>'s envs' latest state, once a second (everyone listens)
 *   gbs.v1.wrapper.<owner>       StreamWrapper messages posted to <owner>'s /broadcast
 *   gbs.v1.progress.<owner>      training numbers posted to <owner>, at most twice a second
 *   gbs.v1.ctl.<owner>           input and commands for <owner>'s envs (request/reply)
 */
import { ConfigError } from '../config-error.js';

const PREFIX = 'gbs.v1';

export const subjects = {
  node: `${PREFIX}.node`,
  lease: (owner: string) => `${PREFIX}.lease.${owner}`,
  frame: (owner: string, env: number) => `${PREFIX}.frame.${owner}.${env}`,
  /** Every frame of every node (tests and the bench count bus traffic with it). */
  allFrames: `${PREFIX}.frame.>`,
  states: (owner: string) => `${PREFIX}.states.${owner}`,
  allStates: `${PREFIX}.states.*`,
  wrapper: (owner: string) => `${PREFIX}.wrapper.${owner}`,
  allWrappers: `${PREFIX}.wrapper.*`,
  progress: (owner: string) => `${PREFIX}.progress.${owner}`,
  allProgress: `${PREFIX}.progress.*`,
  ctl: (owner: string) => `${PREFIX}.ctl.${owner}`,
} as const;

/** The owner named by a `states` or `wrapper` subject (its last token). */
export function ownerOfSubject(subject: string): string {
  return subject.slice(subject.lastIndexOf('.') + 1);
}

const NODE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** A node name as given (`--node`): one NATS subject token. */
export function parseNodeName(value: string): string {
  if (!NODE_NAME.test(value)) throw new ConfigError('GBS_ERR_CLUSTER', `Expected \`node\` to be 1–64 letters, digits, _ or -, got \`${value}\`.`);
  return value;
}

/** The default node name: host name and process id, made one subject token. */
export function defaultNodeName(hostname: string, pid: number): string {
  const host = hostname.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 48) || 'node';
  return `${host}-${pid}`;
}
