"""The example bots proven from pytest, as a bot author would.

    pip install heapbound pytest      (or: pip install . in a checkout)
    pytest examples/python/tests

The guide bot passes; the leaky bot's unbounded global price cache and
candle history are caught, naming the component.
"""

import pytest
from guide_bot import GuideBot
from hidden_leak_bot import HiddenLeakBot
from leaky_bot import LeakyBot

import heapbound


def test_guide_bot_is_proven(heapbound):
    proof = heapbound.prove(GuideBot, candles=100_000, seeds=range(4))
    assert proof.passed and len(proof.runs) == 4
    assert all(run.report["verdict"] == "pass" for run in proof.runs)


@pytest.mark.xfail(raises=heapbound.ProofFailed, strict=True, reason="the leaky bot leaks")
def test_leaky_bot_fails(heapbound):
    heapbound.prove(LeakyBot, candles=50_000, seeds=range(1))


def test_leaky_bot_failure_names_component_step_and_replay():
    with pytest.raises(heapbound.ProofFailed) as caught:
        heapbound.prove(LeakyBot, candles=50_000, seeds=[7])
    message = str(caught.value)
    assert "container-bound in price_cache at step" in message
    assert "leak-slope in" in message
    (run,) = caught.value.proof.runs
    assert run.status == 1 and run.seed == 7
    assert "--seed 7" in run.command and "simulate --exec" in run.command
    assert "replay: " in message


def test_hidden_leak_is_caught_by_the_heap_slope(heapbound):
    proof = heapbound.prove(HiddenLeakBot, candles=100_000, seeds=[1], check=False)
    (run,) = proof.runs
    assert not run.passed
    assert any(v.startswith("leak-slope") for v in run.violations), run.violations


@pytest.mark.heapbound(candles=20_000, seeds=[3])
def test_marker_options_reach_the_binary(heapbound):
    proof = heapbound.prove(GuideBot, config={"max_sessions": 50})
    (run,) = proof.runs
    assert run.report["candles"] == 20_000 and run.seed == 3
    assert run.report["components"]["sessions"]["bound"] == 50


def test_explore_saves_a_replayable_failure(heapbound, tmp_path):
    proof = heapbound.explore(LeakyBot, time=20, check=False)
    (run,) = proof.runs
    assert run.status == 1, run.output
    assert " replay " in run.command and (tmp_path / "explore-seed-0.json").is_file()
