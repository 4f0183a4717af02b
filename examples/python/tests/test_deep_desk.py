"""The deep desk bot's orphaned index entry: reached only by
add_session s, buy, remove_session s (in that order, position open), and
caught at that step by the bot's own invariant; the correct desk passes the
same steps. `heapbound explore --exec` looks for the sequence itself
(scripts/time-to-find-deep.sh measures how long it takes)."""

import json
import os
import subprocess
import sys

import heapbound

HERE = os.path.dirname(os.path.abspath(__file__))
BOT = f"{sys.executable} {os.path.join(os.path.dirname(HERE), 'deep_desk_bot.py')}"

SEQUENCE = [
    {"candles": 3},
    {"bot": {"add_session": {"id": 7, "payload_len": 8}}},
    {"bot": {"buy": {"qty": 1, "price_offset_bps": 0}}},
    {"bot": {"remove_session": {"id": 7}}},
]


def replay(tmp_path, config, steps):
    scenario = {"seed": 11, "config": {"command": BOT, "config": config}, "actions": steps}
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario))
    return subprocess.run(
        [heapbound.binary(), "replay", str(path), "--exec", BOT],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_orphaned_entry_is_caught_at_the_remove(tmp_path):
    done = replay(tmp_path, {}, SEQUENCE)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "index-entry-without-session at step 3 (RemoveSession { id: 7 })" in done.stdout


def test_it_needs_the_whole_sequence(tmp_path):
    done = replay(tmp_path, {}, SEQUENCE[:-1])
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_correct_desk_passes_the_sequence(tmp_path):
    done = replay(tmp_path, {"orphan_index_defect": False}, SEQUENCE)
    assert done.returncode == 0, done.stdout + done.stderr
