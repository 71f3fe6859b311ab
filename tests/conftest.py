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


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL cluster for the session (tests/postgres.py); fails, never skips, when not installed."""
    from tests.postgres import PostgresServer

    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A fresh, empty PostgreSQL database of its own for one test: its URL."""
    return postgres_server.new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_target(request, tmp_path) -> str | Path:
    """Where a test's ledger lives, once per back end: a new SQLite file, or a new PostgreSQL database's URL."""
    if request.param == "sqlite":
        return tmp_path / "ledger.db"
    return request.getfixturevalue("postgres_server").new_database()


@pytest.fixture
def ledger(collected, tmp_path) -> Path:
    """A test's own copy of its module's `collected` ledger (a module-scoped fixture of that name): each test starts
    from the same record and may write to it (the decisions' modules)."""
    import shutil

    return Path(shutil.copyfile(collected, tmp_path / "pmo_ledger.db"))
