/**
 * The cluster flags `serve` and `hub` share: `--cluster nats://HOST:PORT` (GBSTREAM_CLUSTER),
 * `--node NAME`, `--cluster-creds FILE`; the token may come from GBSTREAM_NATS_TOKEN (which ps
 * does not show). See docs/cluster.md.
 */
import { Option, type Command } from 'commander';
import type { ClusterOptions } from '../cluster/join.js';

export interface ClusterFlags {
  cluster?: string;
  node?: string;
  clusterCreds?: string;
}

export function addClusterOptions(command: Command): Command {
  return command
    .addOption(new Option('--cluster <url>', "join a cluster through this NATS server (nats://[user:pass@|token@]HOST:PORT or tls://…): every node's viewers see every node's envs").env('GBSTREAM_CLUSTER'))
    .addOption(new Option('--node <name>', 'this node\'s name in the cluster (letters, digits, _ and -; default host name + pid)'))
    .addOption(new Option('--cluster-creds <file>', 'NATS credential: a .creds file, or a file holding a token (else the URL\'s, or GBSTREAM_NATS_TOKEN)'));
}

/** The cluster to join, or undefined without `--cluster`. */
export function clusterOf(flags: ClusterFlags, env: NodeJS.ProcessEnv = process.env): ClusterOptions | undefined {
  if (!flags.cluster) return undefined;
  const token = env['GBSTREAM_NATS_TOKEN'];
  return { url: flags.cluster, node: flags.node, credsFile: flags.clusterCreds, ...(token && { token }) };
}
