"""The Python behind the PMO ribbon: one entry point per Python button in `pmo_xl.workbook.ribbon.BUTTONS`.

Excel calls e.g. `macros.ribbon.score_requests()` through RunPython; tests call `score_requests(FileBook(path))`.
Each action reads tables through the `Book` adapter, calls one core function and writes the result back in one
block. To plug in a core function, write its action below and add one line to `ACTIONS`; a button without a line
there still gets an entry point, which says "not available in this build yet".
"""

from __future__ import annotations

from collections.abc import Callable

from macros.actions import Action, not_available_yet, run_action
from macros.adapter import Book
from pmo_xl.workbook.ribbon import Button, python_buttons


def score_requests_action(book: Book) -> str:
    from pmo_xl.scoring import SCORING_MODEL_TABLE, model_from_rows, score_requests

    model_table = book.read_table(SCORING_MODEL_TABLE)
    model = model_from_rows(list(model_table.columns), model_table.to_numpy().tolist(),
                            source=f"{book.path.name}, table {SCORING_MODEL_TABLE}")  # fmt: skip
    requests = book.read_table("Requests")
    score_set = str(book.read_settings().get("score_set") or "pmo")
    result = score_requests(requests, model, score_set)
    requests["score"] = result.table["score"].to_numpy()
    requests["rank"] = result.table["rank"].to_numpy()
    book.write_table("Requests", requests)
    warnings = f" Warnings: {'; '.join(result.warnings)}" if result.warnings else ""
    return f"Scored {len(requests)} request(s) with {model.name} v{model.version} ({score_set} scores).{warnings}"


ACTIONS: dict[str, Action] = {
    "score_requests": score_requests_action,
    "new_project_workbooks": not_available_yet("New project workbooks", "pmo_xl.generator"),
    "collect_status": not_available_yet("Collect status", "pmo_xl.collect"),
    "optimise": not_available_yet("Optimise", "pmo_xl.selection"),
    "capacity": not_available_yet("Capacity", "pmo_xl.capacity"),
}


def _entry_point(button: Button) -> Callable[..., str]:
    def entry_point(book: Book | None = None) -> str:
        action = ACTIONS.get(button.action) or not_available_yet(button.label, "its core function")
        return run_action(button.label, action, book)

    entry_point.__name__ = button.action
    entry_point.__doc__ = f"The '{button.label}' button: {button.supertip}"
    return entry_point


for _button in python_buttons():
    globals()[_button.action] = _entry_point(_button)
