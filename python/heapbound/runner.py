"""Proving a Python bot from Python: runs the `heapbound` binary on a bot
class in a child process and turns its report into a pass or an
AssertionError a test runner shows.

    import heapbound
    proof = heapbound.prove(GuideBot, candles=100_000, seeds=range(4))
    proof.runs[0].report["leak"]["slope_bytes_per_candle"]

Stdlib only.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from typing import Iterable, Optional, Sequence, Union

__all__ = ["prove", "explore", "ProofFailed", "Proof", "Run", "binary"]

#: Environment variable naming the heapbound binary to run.
BINARY_ENV = "HEAPBOUND_BIN"

_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def binary() -> str:
    """The `heapbound` binary: $HEAPBOUND_BIN, the one this package's wheel
    installed beside the interpreter, one on PATH, or a checkout's
    target/release build, in that order."""
    named = os.environ.get(BINARY_ENV)
    if named:
        if not (os.path.isfile(named) and os.access(named, os.X_OK)):
            raise FileNotFoundError(f"{BINARY_ENV}={named!r} is not an executable file")
        return named
    exe = "heapbound.exe" if os.name == "nt" else "heapbound"
    candidates = [
        os.path.join(sysconfig.get_path("scripts"), exe),
        os.path.join(os.path.dirname(sys.executable), exe),
        shutil.which(exe),
        # python/heapbound in a checkout: the binary is ../../target/release
        os.path.join(os.path.dirname(_PACKAGE_PARENT), "target", "release", exe),
    ]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError(
        "the heapbound binary was not found: install the package (pip install heapbound, "
        "or pip install . in a checkout), build it (cargo build --release), "
        f"or name it in {BINARY_ENV}"
    )


@dataclasses.dataclass(frozen=True)
class Run:
    """One run of the binary: what ran, and what it said."""

    #: "simulate" or "explore".
    kind: str
    #: The seed (simulate) or the first seed (explore).
    seed: int
    #: The command line that ran, ready for a shell: it replays the run.
    command: str
    #: The binary's exit status: 0 pass, 1 a finding, 2 the bot or the
    #: arguments could not be run.
    status: int
    #: The JSON report (simulate), or None.
    report: Optional[dict]
    #: The binary's text output (explore, or a run that produced no JSON).
    output: str
    #: Each violation, one line each ("leak-slope in price_cache at step ...").
    violations: tuple

    @property
    def passed(self) -> bool:
        return self.status == 0

    def describe(self) -> str:
        """A few lines for a failure message."""
        head = f"{self.kind} seed {self.seed}: " + ("PASS" if self.passed else f"FAIL (exit {self.status})")
        lines = [head]
        lines += [f"  {violation}" for violation in self.violations]
        if not self.violations and not self.passed:
            lines += [f"  {line}" for line in self.output.strip().splitlines()[-12:]]
        if self.report and self.report.get("not_exercised"):
            lines.append("  not exercised: " + ", ".join(self.report["not_exercised"]))
        lines.append(f"  replay: {self.command}")
        return "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class Proof:
    """Every run of one `prove` call."""

    bot: str
    runs: tuple

    @property
    def passed(self) -> bool:
        return all(run.passed for run in self.runs)

    @property
    def failures(self) -> tuple:
        return tuple(run for run in self.runs if not run.passed)

    def describe(self) -> str:
        verdict = "PASS" if self.passed else f"FAIL ({len(self.failures)} of {len(self.runs)} runs)"
        return "\n".join([f"heapbound: {self.bot}: {verdict}"] + [run.describe() for run in self.runs])


class ProofFailed(AssertionError):
    """A bot broke one of heapbound's checks; `proof` holds every run."""

    def __init__(self, proof: Proof):
        super().__init__(proof.describe())
        self.proof = proof


BotSpec = Union[type, str, None]


def prove(
    bot: BotSpec = None,
    *,
    candles: int = 100_000,
    seeds: Iterable[int] = range(4),
    config: Optional[dict] = None,
    explore: Optional[float] = None,
    explore_seed: Optional[int] = None,
    exec: Optional[str] = None,  # noqa: A002 (the CLI's name)
    action_every: Optional[int] = None,
    leak_budget: Optional[str] = None,
    rss_ceiling: Optional[str] = None,
    timeout: Optional[float] = None,
    failure_dir: Optional[str] = None,
    check: bool = True,
) -> Proof:
    """Proves `bot` (a class, "module:Class", "path/to/bot.py:Class", or
    None with `exec`, a shell command serving PROTOCOL.md) over `candles`
    generated candles for each seed, then, with `explore` seconds, draws
    scenarios of the bot's actions for that long (from `explore_seed`,
    default the first seed).

    Options follow the CLI: `config` (sent in hello), `action_every`,
    `leak_budget` and `rss_ceiling` ("1MiB"), `timeout` (seconds per
    answer). A failing explore saves its shrunk scenario in `failure_dir`
    (default: a new temporary folder), which the replay command names.

    Raises ProofFailed when any run fails (unless check=False); returns
    the Proof otherwise."""
    command = exec if exec is not None else serve_command(bot)
    label = _label(bot, command)
    flags = _common_flags(config, rss_ceiling, timeout)
    sim_flags = list(flags)
    if action_every is not None:
        sim_flags += ["--action-every", str(int(action_every))]
    if leak_budget is not None:
        sim_flags += ["--leak-budget", str(leak_budget)]
    runs = [_simulate(command, int(candles), int(seed), sim_flags) for seed in seeds]
    if explore:
        seed = explore_seed if explore_seed is not None else (runs[0].seed if runs else 0)
        runs.append(_explore(command, float(explore), int(seed), flags, failure_dir))
    if not runs:
        raise ValueError("nothing to run: give at least one seed or explore time")
    proof = Proof(bot=label, runs=tuple(runs))
    if check and not proof.passed:
        raise ProofFailed(proof)
    return proof


def explore(bot: BotSpec = None, *, time: float = 30.0, seed: int = 0, **options) -> Proof:
    """Only the explore half of `prove`: scenarios for `time` seconds."""
    return prove(bot, seeds=(), explore=time, explore_seed=seed, **options)


# --- the command line -------------------------------------------------------


def serve_command(bot: BotSpec) -> str:
    """The shell command that serves `bot` over the protocol with this
    interpreter (`python -m heapbound.serve SPEC`)."""
    spec, roots = _spec_of(bot)
    env = ""
    paths = list(dict.fromkeys(roots + ([] if _installed() else [_PACKAGE_PARENT])))  # ordered, once each
    if paths:
        env = "env PYTHONPATH=" + shlex.quote(os.pathsep.join(paths)) + " "
    return f"{env}{shlex.quote(sys.executable)} -m heapbound.serve {shlex.quote(spec)}"


def _installed() -> bool:
    """Whether this package is installed (imports in a fresh interpreter),
    not a checkout's python/ folder put on sys.path by hand."""
    return os.path.basename(_PACKAGE_PARENT) in ("site-packages", "dist-packages")


def _spec_of(bot: BotSpec):
    """("module:Qualname", [sys.path roots the child needs])."""
    if isinstance(bot, str):
        if ":" not in bot:
            raise ValueError(f"bot {bot!r}: expected 'module:Class' or 'path/to/file.py:Class'")
        where, _, name = bot.rpartition(":")
        if where.endswith(".py") or os.sep in where:
            path = os.path.abspath(where)
            if not os.path.isfile(path):
                raise FileNotFoundError(f"bot file {path!r} does not exist")
            return f"{path}:{name}", []
        return bot, _roots_of_module(where)
    if inspect.isclass(bot):
        qualname = bot.__qualname__
        if "<locals>" in qualname:
            raise ValueError(
                f"{qualname}: a class defined inside a function cannot be imported by the bot process; "
                "define it at module level"
            )
        module = bot.__module__
        if module == "__main__":
            path = getattr(sys.modules["__main__"], "__file__", None)
            if not path:
                raise ValueError(f"{qualname} is defined in an interactive session; put it in a module")
            return f"{os.path.abspath(path)}:{qualname}", []
        return f"{module}:{qualname}", _roots_of_module(module)
    if bot is None:
        raise ValueError("give a bot class, 'module:Class', or exec='command'")
    raise TypeError(f"bot must be a class or 'module:Class', got {type(bot).__name__}")


def _roots_of_module(module: str) -> list:
    """The sys.path entry `module` was imported from, so that the bot
    process finds it (a test folder pytest put on sys.path, say)."""
    loaded = sys.modules.get(module)
    path = getattr(loaded, "__file__", None)
    if not path:
        return []
    path = os.path.abspath(path)
    root = os.path.dirname(path)
    depth = module.count(".") + (1 if os.path.basename(path) == "__init__.py" else 0)
    for _ in range(depth):
        root = os.path.dirname(root)
    return [root]


def _label(bot: BotSpec, command: str) -> str:
    if inspect.isclass(bot):
        return bot.__qualname__
    if isinstance(bot, str):
        return bot
    return command


def _common_flags(config, rss_ceiling, timeout) -> list:
    flags = []
    if config is not None:
        flags += ["--config", json.dumps(config, separators=(",", ":"), allow_nan=False)]
    if rss_ceiling is not None:
        flags += ["--rss-ceiling", str(rss_ceiling)]
    if timeout is not None:
        flags += ["--timeout", str(timeout)]
    return flags


def _shell(argv: Sequence[str]) -> str:
    return " ".join(shlex.quote(arg) for arg in argv)


def _simulate(command: str, candles: int, seed: int, flags: list) -> Run:
    argv = [binary(), "simulate", "--exec", command, "--candles", str(candles), "--seed", str(seed)] + flags
    done = subprocess.run(argv + ["--format", "json"], capture_output=True, text=True)
    report = None
    if done.stdout.strip():
        try:
            report = json.loads(done.stdout)
        except ValueError:
            report = None
    violations = tuple(report.get("violations", ())) if isinstance(report, dict) else ()
    output = done.stdout if report is None else ""
    output += done.stderr
    return Run("simulate", seed, _shell(argv), done.returncode, report, output, violations)


def _explore(command: str, seconds: float, seed: int, flags: list, failure_dir: Optional[str]) -> Run:
    folder = failure_dir or tempfile.mkdtemp(prefix="heapbound-")
    out = os.path.join(folder, f"explore-seed-{seed}.json")
    argv = [binary(), "explore", "--exec", command, "--time", f"{seconds:g}s", "--seed", str(seed), "--out", out]
    argv += flags
    done = subprocess.run(argv, capture_output=True, text=True)
    text = done.stdout + done.stderr
    violations = tuple(
        line.strip() for line in text.splitlines() if line.strip().startswith(("violation", "FAIL", "fail:"))
    )
    replay = _shell([binary(), "replay", out, "--exec", command] + flags) if done.returncode == 1 else _shell(argv)
    return Run("explore", seed, replay, done.returncode, None, text, violations)
