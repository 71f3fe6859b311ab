"""pmo-xl: the PMO's workbench in Excel, powered by Python.

The package is the functional core. `udfs/`, `macros/` and `pmo_xl.cli` are thin shells over it.

The public API below loads on first use (PEP 562): `import pmo_xl` imports neither pandas nor numpy, so the CLI's
`--help` and the ribbon's first click stay quick.

    from pmo_xl import CollectRequest, run_collect
    result = run_collect(CollectRequest(inbox=Path("inbox"), ledger=Path("pmo_ledger.db")))
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# name -> the module that defines it
_API = {
    "run_collect": "pmo_xl.monthly",
    "CollectRequest": "pmo_xl.collect.run",
    "CollectResult": "pmo_xl.collect.run",
    "generate_for_records": "pmo_xl.generate.generator",
    "read_register": "pmo_xl.register",
    "score_requests": "pmo_xl.portfolio.scoring",
    "select_portfolio": "pmo_xl.portfolio.selection",
    "optimize": "pmo_xl.portfolio.selection",
    "OptimizeRequest": "pmo_xl.portfolio.selection",
    "plan_capacity": "pmo_xl.portfolio.capacity",
    "build_views": "pmo_xl.reporting.views",
    "build_dashboard": "pmo_xl.reporting.dashboard",
    "ReportSource": "pmo_xl.reporting.load",
    "rebuild_ledger": "pmo_xl.reporting.history",
    "check_ledger": "pmo_xl.reporting.history",
    "render_report": "pmo_xl.reporting.report_html",
    "run_demo": "pmo_xl.demo.run",
    "open_ledger": "pmo_xl.ledger",
    "PmoError": "pmo_xl.errors",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> object:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'pmo_xl' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once loaded, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
