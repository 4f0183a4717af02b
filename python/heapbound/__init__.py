"""heapbound for Python bots: prove that a long-running bot stays inside its
memory budget, from pytest or a script.

    import heapbound
    from my_bot import MyBot

    def test_my_bot_stays_bounded():
        heapbound.prove(MyBot, candles=100_000, seeds=range(4))

`prove` runs the bot class in a child process through the `heapbound`
binary (installed with this package) with every check heapbound has:
container bounds, the leak slope of the bot's heap and of each component,
the bot's own invariants, a clean shutdown. On a violation it raises
`heapbound.ProofFailed` (an AssertionError) naming the invariant, the
component, the step and the numbers, and the command that replays it.

`heapbound.bot` is the protocol helper a bot serves itself with (stdlib
only); see PROTOCOL.md. This package's top level is imported lazily, so a
bot process that imports `heapbound.bot` pays for nothing else.
"""

__all__ = ["prove", "explore", "ProofFailed", "Proof", "Run", "binary"]

_LAZY = {
    "prove": "heapbound.runner",
    "explore": "heapbound.runner",
    "ProofFailed": "heapbound.runner",
    "Proof": "heapbound.runner",
    "Run": "heapbound.runner",
    "binary": "heapbound.runner",
}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'heapbound' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + __all__)
