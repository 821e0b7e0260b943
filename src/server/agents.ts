/**
 * What the server needs from whoever drives envs for remote agents (the agent layer's AgentHost):
 * per-connection lockstep requests. An interface, so the server knows nothing of envs.
 */
import type { ObsBatchMessage, ObsMessage, ReleaseMessage, ResetMessage, MachineStateMessage, SnapshotRequestMessage, StepMessage } from '../protocol/messages.js';

export interface AgentPort {
  /** Which client drives `env` in lockstep, if any: nobody else may send it input or commands. */
  ownerOf(env: number): number | undefined;
  /** Answers `obs` for one env, `obsBatch` for a batch (`envs: [...]`). */
  reset(client: number, message: ResetMessage): Promise<ObsMessage | ObsBatchMessage>;
  step(client: number, message: StepMessage): Promise<ObsMessage | ObsBatchMessage>;
  /** The machine state of an env this client drives or nobody drives. */
  snapshot(client: number, message: SnapshotRequestMessage): Promise<MachineStateMessage>;
  release(client: number, message: ReleaseMessage): Promise<void>;
  /** Gives back every env the client drove (it disconnected). */
  releaseAll(client: number): void;
}
