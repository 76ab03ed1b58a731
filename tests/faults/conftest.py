import pytest

from .stack import Stack


@pytest.fixture(scope="package")
def stack():
    """One stack for every fault test of the package (the tests run on one xdist worker: xdist_group)."""
    stack = Stack()
    try:
        stack.start()
        yield stack
    finally:
        stack.remove()
