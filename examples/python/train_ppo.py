#!/usr/bin/env python3
"""PPO with PyTorch on the gbstream demo ROM, through a VectorEnv, while the viewer watches.

One file in CleanRL's ppo.py shape: a clipped surrogate objective, GAE, shuffled minibatches,
advantages normalised per minibatch, a linearly annealed learning rate. Every update publishes
its numbers to the viewer's Training panel (episodic return and length, steps/s, policy and
value loss, entropy, ``step`` and ``total_steps`` for the ETA) and the envs play in the viewer.

    npm start -- --envs 8 --control-token my-secret-token            # open http://127.0.0.1:8080/
    GBSTREAM_CONTROL_TOKEN=my-secret-token python3 examples/python/train_ppo.py --obs state

The game: the demo ROM's smiley walks over the field (1 px per frame per held direction) and
scores a coin when it comes within 8 px of it; the coin then jumps elsewhere.

Actions: nothing, the four directions and the four diagonals, each held ``--frames`` frames.

Observation (``--obs``):
  state   the demo memory map's fields (roms.example/gbstream-demo.json) ``x``, ``y``,
          ``coin_x``, ``coin_y`` scaled to 0–1 by the screen's size, plus the coin's offset from
          the player (coin_x − x, coin_y − y) on the same scale; a 64-64 MLP.
  pixels  gray screens without the HUD (the bottom 16 lines), 2×2-min-pooled to 64×80, the last
          ``--frame-stack`` of them stacked; a small CNN (two convolutions, 256 units).

Reward: coins. Each step earns the increase of the demo's ``score`` field (coins collected,
BCD at 0xD005): 1 per coin. The demo has no game over, so every episode ends by ``--max-steps``
(VectorEnv's ``max_steps``) and restarts from power-on; PPO bootstraps the value at that
truncation, and the next step (in which VectorEnv restarts the env and ignores the action)
is left out of the loss.

Needs PyTorch (Debian: python3-torch) besides the gbstream package's websockets, msgpack and
numpy. The last line printed is ``eval: random mean return R, trained mean return T``.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))  # run from a checkout as is

import numpy as np  # noqa: E402

try:
    import torch  # noqa: E402
    from torch import nn  # noqa: E402
    from torch.distributions import Categorical  # noqa: E402
except ImportError as err:  # a clear line, not a traceback
    sys.exit(f"train_ppo.py needs PyTorch ({err}); on Debian: apt install python3-torch")

from gbstream import GbstreamError, VectorEnv  # noqa: E402

#: Nothing, four directions, four diagonals (the demo walks diagonally when two are held).
ACTIONS: tuple[tuple[str, ...], ...] = (
    (), ("up",), ("down",), ("left",), ("right",),
    ("up", "left"), ("up", "right"), ("down", "left"), ("down", "right"),
)
#: The memory-map fields this example reads; the demo's map has them (roms.example/gbstream-demo.json).
FIELDS = ("x", "y", "coin_x", "coin_y", "score")
MAX_X, MAX_Y = 152.0, 120.0  # the demo's largest player x and y
PIXEL_SHAPE = (64, 80)  # 128×160 (the screen above the HUD), 2×2-pooled
DEFAULT_TOTAL_STEPS = {"state": 100_000, "pixels": 200_000}
DEFAULT_LR = {"state": 1e-3, "pixels": 5e-4}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="PPO (PyTorch) on the gbstream demo ROM through a VectorEnv; progress shows in the viewer's Training panel.")
    p.add_argument("--url", default="ws://127.0.0.1:8080/ws", help="gbstream WebSocket URL")
    p.add_argument("--token", default=os.environ.get("GBSTREAM_CONTROL_TOKEN"), help="the server's --control-token (default: $GBSTREAM_CONTROL_TOKEN)")
    p.add_argument("--obs", choices=["state", "pixels"], default="state", help="memory-map fields or gray screens")
    p.add_argument("--envs", type=int, default=8, help="drive envs 0..N-1 (the server needs at least N: serve --envs N)")
    p.add_argument("--total-steps", type=int, default=None, help=f"env steps to train, all envs counted (default: {DEFAULT_TOTAL_STEPS})")
    p.add_argument("--seed", type=int, default=1, help="seed of the policy's weights and sampling")
    p.add_argument("--save", metavar="PATH", default=None, help="save the trained policy here (torch.save)")
    p.add_argument("--eval", type=int, default=16, metavar="N", help="evaluation episodes at the end, random and trained policy (0: none)")
    p.add_argument("--frames", type=int, default=8, help="emulated frames each action is held")
    p.add_argument("--max-steps", type=int, default=128, help="steps per episode")
    p.add_argument("--frame-stack", type=int, default=2, help="screens stacked (--obs pixels)")
    p.add_argument("--num-steps", type=int, default=128, help="steps per env per rollout")
    p.add_argument("--minibatches", type=int, default=4, help="minibatches per epoch")
    p.add_argument("--epochs", type=int, default=4, help="passes over each rollout")
    p.add_argument("--lr", type=float, default=None, help=f"Adam learning rate, annealed linearly to 0 (default: {DEFAULT_LR})")
    p.add_argument("--gamma", type=float, default=0.99, help="discount")
    p.add_argument("--gae-lambda", type=float, default=0.95, help="GAE lambda")
    p.add_argument("--clip", type=float, default=0.2, help="PPO clip range")
    p.add_argument("--ent-coef", type=float, default=0.01, help="entropy bonus")
    p.add_argument("--vf-coef", type=float, default=0.5, help="value loss weight")
    p.add_argument("--max-grad-norm", type=float, default=0.5, help="gradient clipping")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (the server's emulators want the other core)")
    args = p.parse_args(argv)
    if args.total_steps is None:
        args.total_steps = DEFAULT_TOTAL_STEPS[args.obs]
    if args.lr is None:
        args.lr = DEFAULT_LR[args.obs]
    for name in ("envs", "total_steps", "frames", "max_steps", "frame_stack", "num_steps", "minibatches", "epochs", "threads"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if args.eval < 0:
        p.error(f"--eval must be 0 or more, got {args.eval}")
    return args


# -- observations ---------------------------------------------------------------------------

class Observer:
    """Turns what ``VectorEnv`` returns (screens, infos) into the policy's input, float32."""

    def __init__(self, kind: str, num_envs: int, frame_stack: int) -> None:
        self.kind = kind
        self.shape: tuple[int, ...] = (6,) if kind == "state" else (frame_stack, *PIXEL_SHAPE)
        self._stack = np.zeros((num_envs, *self.shape), dtype=np.float32) if kind == "pixels" else None

    def __call__(self, screens: np.ndarray | None, infos: list[dict[str, Any]]) -> np.ndarray:
        if self._stack is None:
            s = np.array([[i["state"][f] for f in FIELDS[:4]] for i in infos], dtype=np.float32)
            scale = np.array([MAX_X, MAX_Y, MAX_X, MAX_Y], dtype=np.float32)
            s /= scale
            return np.concatenate([s, s[:, 2:4] - s[:, 0:2]], axis=1)
        assert screens is not None
        n = len(screens)
        # The darkest of each 2×2: the sprites' dark outlines survive it, where a mean blurs the
        # player into the textured ground.
        small = screens[:, :128].reshape(n, 64, 2, 80, 2).min(axis=(2, 4)).astype(np.float32) / 255.0
        restarted = np.array([i["steps"] == 0 for i in infos])  # a new episode: no history yet
        self._stack[:, :-1] = self._stack[:, 1:]
        self._stack[:, -1] = small
        self._stack[restarted] = small[restarted, None]
        return self._stack.copy()


# -- the policy -----------------------------------------------------------------------------

def layer_init(layer: nn.Module, std: float = np.sqrt(2), bias: float = 0.0) -> nn.Module:
    nn.init.orthogonal_(layer.weight, std)  # type: ignore[arg-type]
    nn.init.constant_(layer.bias, bias)  # type: ignore[arg-type]
    return layer


class Agent(nn.Module):
    """Actor and critic: two 64-64 MLPs on the state, or one CNN trunk with two heads on pixels."""

    def __init__(self, kind: str, obs_shape: tuple[int, ...], n_actions: int) -> None:
        super().__init__()
        if kind == "state":
            def mlp(out: int, std: float) -> nn.Sequential:
                return nn.Sequential(layer_init(nn.Linear(obs_shape[0], 64)), nn.Tanh(), layer_init(nn.Linear(64, 64)), nn.Tanh(), layer_init(nn.Linear(64, out), std))
            self.trunk: nn.Module = nn.Identity()
            self.actor, self.critic = mlp(n_actions, 0.01), mlp(1, 1.0)
        else:
            # (stack, 64, 80) → (16, 15, 19) → (32, 6, 8) → 256. The last layer is a dense layer
            # written as a convolution over the whole 6×8 map: Debian's torch does Linear with the
            # reference BLAS but convolutions with oneDNN, ~10× faster here at this size.
            self.trunk = nn.Sequential(
                layer_init(nn.Conv2d(obs_shape[0], 16, 8, stride=4)), nn.ReLU(),
                layer_init(nn.Conv2d(16, 32, 4, stride=2)), nn.ReLU(),
                layer_init(nn.Conv2d(32, 256, (6, 8))), nn.ReLU(), nn.Flatten(),
            )
            self.actor, self.critic = layer_init(nn.Linear(256, n_actions), 0.01), layer_init(nn.Linear(256, 1), 1.0)

    def value(self, x: torch.Tensor) -> torch.Tensor:
        return self.critic(self.trunk(x)).squeeze(-1)

    def act(self, x: torch.Tensor, action: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(action, its log-probability, the policy's entropy, the state's value); samples when ``action`` is None."""
        hidden = self.trunk(x)
        dist = Categorical(logits=self.actor(hidden))
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action), dist.entropy(), self.critic(hidden).squeeze(-1)


def make_agent(kind: str, obs_shape: tuple[int, ...], seed: int) -> Agent:
    """The initial policy for ``seed``: the same weights every time (tests compare against it)."""
    torch.manual_seed(seed)
    return Agent(kind, obs_shape, len(ACTIONS))


def flat_parameters(agent: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1) for p in agent.parameters()])


# -- training -------------------------------------------------------------------------------

def coins(prev: dict[str, int], state: dict[str, int]) -> float:
    """The reward: coins collected in this step (the demo's ``score`` only ever grows)."""
    return float(max(0, state["score"] - prev.get("score", state["score"])))


def mark_episode(env: VectorEnv, index: int, episodic_return: float) -> None:
    """Hook: marks env ``index``'s finished episode with its return in the server's input-log
    recording, so that ``gbstream export FILE --mp4 best.mp4 --episode best`` finds the best run.

    ``VectorEnv.mark_episode(index, score)`` comes with input-log recordings (a later issue);
    until the client has it this does nothing.
    """
    mark: Callable[[int, float], None] | None = getattr(env, "mark_episode", None)
    if mark is not None:
        mark(index, episodic_return)


class Timer:
    """Adds up the wall time spent inside ``with timer:`` blocks."""

    def __init__(self) -> None:
        self.total = 0.0

    def __enter__(self) -> None:
        self._start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.total += time.perf_counter() - self._start


def train(env: VectorEnv, agent: Agent, observe: Observer, args: argparse.Namespace) -> None:
    n, steps = env.num_envs, args.num_steps
    updates = max(1, args.total_steps // (n * steps))
    optimizer = torch.optim.Adam(agent.parameters(), lr=args.lr, eps=1e-5)
    obs = torch.zeros((steps, n, *observe.shape))
    actions = torch.zeros((steps, n), dtype=torch.long)
    logprobs, rewards, values = torch.zeros((steps, n)), torch.zeros((steps, n)), torch.zeros((steps, n))
    truncs, valid = torch.zeros((steps, n)), torch.ones((steps, n), dtype=torch.bool)
    env_time = Timer()
    started = time.perf_counter()
    with env_time:
        screens, infos = env.reset()
    next_obs = torch.from_numpy(observe(screens, infos))
    restarting = np.zeros(n, dtype=bool)  # truncated last step: VectorEnv restarts it and ignores the action
    episode_return, episode_length = np.zeros(n), np.zeros(n, dtype=np.int64)
    global_step = 0
    losses = {"policy_loss": 0.0, "value_loss": 0.0, "entropy": 0.0}
    for update in range(1, updates + 1):
        for group in optimizer.param_groups:
            group["lr"] = args.lr * (1.0 - (update - 1) / updates)
        finished: list[tuple[float, int]] = []
        for t in range(steps):
            obs[t] = next_obs
            valid[t] = torch.from_numpy(~restarting)
            with torch.no_grad():
                action, logprob, _, value = agent.act(next_obs)
            actions[t], logprobs[t], values[t] = action, logprob, value
            with env_time:
                screens, reward, _, truncated, infos = env.step(action.numpy())
            global_step += n
            rewards[t], truncs[t] = torch.from_numpy(reward), torch.from_numpy(truncated.astype(np.float32))
            next_obs = torch.from_numpy(observe(screens, infos))
            episode_return += reward
            episode_length += ~restarting
            for i in np.flatnonzero(truncated):
                finished.append((float(episode_return[i]), int(episode_length[i])))
                mark_episode(env, int(i), float(episode_return[i]))
                episode_return[i], episode_length[i] = 0.0, 0
            restarting = truncated

        with torch.no_grad():
            # A truncated step t earns gamma·V(final obs) (time limits are not terminal); that
            # obs is obs[t + 1], the step whose action VectorEnv ignores, or next_obs at the end.
            next_values = torch.cat([values[1:], agent.value(next_obs)[None]])
            boot_rewards = rewards + args.gamma * next_values * truncs
            advantages = torch.zeros_like(rewards)
            last = torch.zeros(n)
            for t in reversed(range(steps)):
                nonterminal = 1.0 - truncs[t]
                delta = boot_rewards[t] + args.gamma * next_values[t] * nonterminal - values[t]
                last = delta + args.gamma * args.gae_lambda * nonterminal * last
                advantages[t] = last
            returns = advantages + values

        keep = valid.reshape(-1)
        b_obs, b_actions, b_logprobs = obs.reshape(-1, *observe.shape)[keep], actions.reshape(-1)[keep], logprobs.reshape(-1)[keep]
        b_adv, b_returns = advantages.reshape(-1)[keep], returns.reshape(-1)[keep]
        sums, count = {k: 0.0 for k in losses}, 0
        for _ in range(args.epochs):
            for mb in np.array_split(np.random.permutation(len(b_obs)), args.minibatches):
                _, newlogprob, entropy, newvalue = agent.act(b_obs[mb], b_actions[mb])
                ratio = (newlogprob - b_logprobs[mb]).exp()
                adv = b_adv[mb]
                adv = (adv - adv.mean()) / (adv.std() + 1e-8)
                pg_loss = torch.max(-adv * ratio, -adv * ratio.clamp(1 - args.clip, 1 + args.clip)).mean()
                v_loss = 0.5 * ((newvalue - b_returns[mb]) ** 2).mean()
                ent = entropy.mean()
                loss = pg_loss - args.ent_coef * ent + args.vf_coef * v_loss
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
                optimizer.step()
                for k, v in (("policy_loss", pg_loss), ("value_loss", v_loss), ("entropy", ent)):
                    sums[k] += float(v)
                count += 1
        losses = {k: s / count for k, s in sums.items()}

        elapsed = time.perf_counter() - started
        values_out = {"step": global_step, "total_steps": updates * n * steps, "steps_per_s": global_step / elapsed,
                      "env_share": env_time.total / elapsed, **losses}
        line = f"update {update}/{updates} step {global_step} at {elapsed:.0f} s: {values_out['steps_per_s']:.0f} steps/s, env {100 * env_time.total / elapsed:.0f}%"
        if finished:
            values_out["episodic_return"] = float(np.mean([r for r, _ in finished]))
            values_out["episode_length"] = float(np.mean([length for _, length in finished]))
            line += f", return {values_out['episodic_return']:.2f} over {len(finished)} episodes"
        print(line + f"; policy loss {losses['policy_loss']:.4f}, value loss {losses['value_loss']:.4f}, entropy {losses['entropy']:.3f}", flush=True)
        env.publish_progress(values_out)
    elapsed = time.perf_counter() - started
    print(f"trained {global_step} steps in {elapsed:.0f} s ({global_step / elapsed:.0f} steps/s); "
          f"env steps took {100 * env_time.total / elapsed:.0f}% of the wall time, the learner the rest")


def evaluate(env: VectorEnv, observe: Observer, policy: Callable[[np.ndarray], np.ndarray], episodes: int, max_steps: int) -> list[float]:
    """Returns of ``episodes`` whole episodes (rounds of all envs from power-on) under ``policy``."""
    returns: list[float] = []
    while len(returns) < episodes:
        screens, infos = env.reset()
        x, total = observe(screens, infos), np.zeros(env.num_envs)
        for _ in range(max_steps):
            screens, reward, _, _, infos = env.step(policy(x))
            total += reward
            x = observe(screens, infos)
        returns.extend(total.tolist())
    return returns[:episodes]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except GbstreamError as err:  # err.code is the server's, e.g. GBS_ERR_CONTROL_DENIED without a token
        print(f"train_ppo.py: {err}", file=sys.stderr)
        return 1 if err.code == "GBS_ERR_CONNECTION_CLOSED" else 2


def run(args: argparse.Namespace) -> int:
    torch.set_num_threads(args.threads)
    np.random.seed(args.seed)
    rng = np.random.default_rng(args.seed)
    env = VectorEnv(args.url, token=args.token, envs=args.envs, frames=args.frames, observe="gray" if args.obs == "pixels" else None,
                    reward_fn=coins, max_steps=args.max_steps, actions=ACTIONS)
    with env:
        missing = [f for f in FIELDS if f not in env.fields]
        if missing:
            print(f"train_ppo.py: this example plays the demo ROM, but the server's memory map has no {', '.join(missing)} "
                  f"(it runs {env.hello['rom']['title']!r}; start `gbstream serve` without a ROM)", file=sys.stderr)
            return 2
        observe = Observer(args.obs, env.num_envs, args.frame_stack)
        agent = make_agent(args.obs, observe.shape, args.seed)
        initial = flat_parameters(agent)
        print(f"training PPO on {env.num_envs} envs of {env.hello['rom']['title']} at {args.url}, --obs {args.obs} {observe.shape}, "
              f"{args.total_steps} steps", flush=True)
        train(env, agent, observe, args)
        print(f"parameters: moved {float((flat_parameters(agent) - initial).norm()):.6f} (L2) from the initial policy")
        if args.save:
            torch.save({"obs": args.obs, "obs_shape": observe.shape, "actions": ACTIONS, "seed": args.seed, "state_dict": agent.state_dict()}, args.save)
            print(f"saved the policy to {args.save}")
        if args.eval:
            def trained(x: np.ndarray) -> np.ndarray:
                with torch.no_grad():
                    return agent.act(torch.from_numpy(x))[0].numpy()

            random = evaluate(env, observe, lambda x: rng.integers(len(ACTIONS), size=len(x)), args.eval, args.max_steps)
            mine = evaluate(env, observe, trained, args.eval, args.max_steps)
            print(f"eval: random mean return {np.mean(random):.2f}, trained mean return {np.mean(mine):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
