"""pytest plugin (entry point `heapbound`): prove a bot from a test.

    def test_guide_bot_stays_bounded(heapbound):
        heapbound.prove(GuideBot)                      # 100,000 candles x 4 seeds

    @pytest.mark.heapbound(candles=20_000, explore=10)
    def test_with_options(heapbound):
        heapbound.prove(GuideBot, config={"max_sessions": 50})

The `heapbound` fixture proves with the options of the command line
(`--heapbound-candles`, `--heapbound-seeds`, `--heapbound-explore`,
`--heapbound-leak-budget`, `--heapbound-rss-ceiling`), overridden by the
test's `heapbound` marker, overridden by the call's own arguments. A
failing explore saves its shrunk scenario in the test's tmp_path. Every
proof's verdict lines are added to the test's report (shown with -rA or on
failure), and each run is a child process, so tests run under pytest-xdist
as they do alone.
"""

from __future__ import annotations

import pytest

from heapbound import runner


def _seeds(text: str):
    """`4` (seeds 0..3), `1..5` (5 excluded), `1..=5`, or `1,7,9`."""
    text = text.strip()
    try:
        if "..=" in text:
            low, high = text.split("..=")
            return range(int(low), int(high) + 1)
        if ".." in text:
            low, high = text.split("..")
            return range(int(low), int(high))
        if "," in text:
            return tuple(int(part) for part in text.split(","))
        return range(int(text))
    except ValueError:
        raise pytest.UsageError(f"--heapbound-seeds {text!r}: expected N, A..B, A..=B or A,B,C") from None


def pytest_addoption(parser):
    group = parser.getgroup("heapbound", "proving bots with heapbound")
    group.addoption("--heapbound-candles", type=int, default=None, help="candles per seed (default 100,000)")
    group.addoption("--heapbound-seeds", default=None, help="seeds: N, A..B, A..=B or A,B,C (default 4)")
    group.addoption(
        "--heapbound-explore", type=float, default=None, help="also explore scenarios for this many seconds"
    )
    group.addoption("--heapbound-leak-budget", default=None, help="growth allowed over a year, e.g. 1MiB")
    group.addoption("--heapbound-rss-ceiling", default=None, help="fail when the bot's RSS passes this, e.g. 512MiB")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "heapbound(**options): options for the heapbound fixture's proofs "
        "(candles, seeds, explore, config, leak_budget, rss_ceiling, action_every, timeout)",
    )


class Prover:
    """What the `heapbound` fixture gives a test: `prove` and `explore`
    with the session's and the marker's options, and the proofs made.
    The fixture's name hides the module inside a test, so the module's
    types are here too: `heapbound.ProofFailed`, `heapbound.Proof`."""

    ProofFailed = runner.ProofFailed
    Proof = runner.Proof
    Run = runner.Run

    def __init__(self, defaults: dict, failure_dir: str, node=None):
        self.defaults = defaults
        self.failure_dir = failure_dir
        self.node = node
        self.proofs = []

    def prove(self, bot=None, **options):
        """heapbound.prove with this test's defaults; raises ProofFailed."""
        merged = {**self.defaults, "failure_dir": self.failure_dir, **options}
        merged["check"] = False
        proof = runner.prove(bot, **merged)
        self.proofs.append(proof)
        if self.node is not None:
            self.node.add_report_section("call", "heapbound", proof.describe())
        if options.get("check", True) and not proof.passed:
            raise runner.ProofFailed(proof)
        return proof

    def explore(self, bot=None, *, time=None, **options):
        """Only scenarios, for `time` seconds (default: --heapbound-explore or 30)."""
        seconds = time or self.defaults.get("explore") or 30.0
        return self.prove(bot, seeds=(), explore=seconds, **options)


def _defaults(request) -> dict:
    def option(name):
        return request.config.getoption(name, None)  # None: the plugin came late (a checkout's conftest)
    defaults = {}
    if option("heapbound_candles") is not None:
        defaults["candles"] = option("heapbound_candles")
    if option("heapbound_seeds") is not None:
        defaults["seeds"] = _seeds(option("heapbound_seeds"))
    if option("heapbound_explore") is not None:
        defaults["explore"] = option("heapbound_explore")
    if option("heapbound_leak_budget") is not None:
        defaults["leak_budget"] = option("heapbound_leak_budget")
    if option("heapbound_rss_ceiling") is not None:
        defaults["rss_ceiling"] = option("heapbound_rss_ceiling")
    marker = request.node.get_closest_marker("heapbound")
    if marker is not None:
        if marker.args:
            raise pytest.UsageError("@pytest.mark.heapbound takes keyword options only, e.g. candles=20_000")
        defaults.update(marker.kwargs)
    return defaults


@pytest.fixture
def heapbound(request, tmp_path):
    """Proves bots with heapbound: `heapbound.prove(MyBot)`."""
    return Prover(_defaults(request), str(tmp_path), request.node)
