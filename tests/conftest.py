import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


def pytest_addoption(parser):
    parser.addoption(
        "--fuzz-n", type=int, default=1000, help="how many damaged workbooks the fuzz test makes (CI: 1,000)"
    )


@pytest.fixture(scope="session")
def fuzz_n(request) -> int:
    return request.config.getoption("--fuzz-n")
