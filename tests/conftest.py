"""Long checks that are parameters of a table-driven test, marked ``slow``.

A test function is marked where it is defined (``@pytest.mark.slow``); a
case of a parametrized test that reads its cases from a table (the rows of
docs/errors.md in test_hostile.py) cannot be, so it is listed here.  The
default run leaves ``slow`` out (setup.cfg); ``pytest -m slow`` runs it.
"""
import pytest

SLOW_CASES = {
    # 1,000 terms in a subprocess, up to minutes on a loaded machine
    "test_hostile.py::test_row[many-terms]",
}


def pytest_collection_modifyitems(config, items):
    found = set()
    for item in items:
        key = f"{item.path.name}::{item.name}"
        if key in SLOW_CASES:
            item.add_marker(pytest.mark.slow)
            found.add(key)
    # a renamed case must not silently join the default run again: when its
    # file was collected in full, every listed case must have been found
    files = {item.path.name for item in items}
    whole = not (config.option.keyword or config.option.deselect or
                 any("::" in a for a in config.args))
    lost = [k for k in SLOW_CASES - found if whole and k.split("::")[0] in files]
    if lost:
        raise pytest.UsageError(f"tests/conftest.py lists slow cases that no "
                                f"longer exist: {', '.join(sorted(lost))}")
