"""The example bots live one folder up; the tests import them from there.

With heapbound installed (pip install . or the wheel) its pytest plugin is
already loaded; in a bare checkout this adds python/ and loads it."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

try:
    import heapbound  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "python"))


def pytest_configure(config):
    if not config.pluginmanager.has_plugin("heapbound"):
        from heapbound import pytest_plugin

        config.pluginmanager.register(pytest_plugin, "heapbound")
