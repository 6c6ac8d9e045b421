"""Shared fixtures: every execution test runs over every engine in ENGINES."""
import os

import pytest

from harness import ENGINES


@pytest.fixture(params=ENGINES)
def engine(request):
    """The name of an execution engine; harness.make_engine(name) builds one."""
    return request.param


@pytest.fixture(autouse=True, scope="session")
def _private_code_cache(tmp_path_factory):
    """`vm-engine run` keeps compiled code in the user's cache directory; the
    tests' runs (and their child processes) keep theirs in one of the session's."""
    saved = os.environ.get("VM_ENGINE_CACHE_DIR")
    os.environ["VM_ENGINE_CACHE_DIR"] = str(tmp_path_factory.mktemp("code-cache"))
    yield
    if saved is None:
        del os.environ["VM_ENGINE_CACHE_DIR"]
    else:
        os.environ["VM_ENGINE_CACHE_DIR"] = saved
