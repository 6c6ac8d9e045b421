"""Shared fixtures: every execution test runs over every engine in ENGINES."""
import pytest

from harness import ENGINES


@pytest.fixture(params=ENGINES)
def engine(request):
    """The name of an execution engine; harness.make_engine(name) builds one."""
    return request.param
