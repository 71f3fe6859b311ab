"""The VBA modules of `pmo_workbook.xlsm`, gathered from text: stock xlwings modules, `macros/*.bas`, generated ones.

The stock modules are read from the installed xlwings package at build time, so the VBA always matches the xlwings
version pinned in pyproject.toml (xlwings.bas hard-codes its own DLL name).
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import xlwings

from pmo_xl.errors import SchemaError
from pmo_xl.workbook.layout import SHEETS, THIS_WORKBOOK
from pmo_xl.workbook.ribbon import ribbon_module_source
from pmo_xl.workbook.udf_wrappers import udf_module_source

# The VBA and ribbon sources are package data of `macros` (pyproject), found through importlib.resources.
MACROS_DIR = Path(str(importlib.resources.files("macros")))
XLWINGS_DIR = Path(xlwings.__file__).resolve().parent
STOCK_MODULES = (("xlwings", "standard", XLWINGS_DIR / "xlwings.bas", "BSD 3-clause"),
                 ("Dictionary", "class", XLWINGS_DIR / "addin" / "Dictionary.cls", "License: MIT"))  # fmt: skip

ModuleKind = Literal["standard", "class", "document"]


@dataclass(frozen=True)
class ModuleSource:
    """One module's name, kind and source text (CRLF line ends, as VBA stores it)."""

    name: str
    kind: ModuleKind
    source: str


def crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _checked_ascii(name: str, text: str, origin: str) -> str:
    if not text.isascii():
        line = next(number for number, row in enumerate(text.splitlines(), 1) if not row.isascii())
        raise SchemaError(f"{origin}, line {line}: VBA module {name} must be ASCII-only (cp1252 garbles elsewhere)")
    return text


def stock_modules() -> list[ModuleSource]:
    modules = []
    for name, kind, path, licence in STOCK_MODULES:
        if not path.exists():
            raise SchemaError(f"{path} is missing: reinstall xlwings (pip install --force-reinstall xlwings==...)")
        text = path.read_text(encoding="ascii")
        if licence not in text:
            raise SchemaError(f"{path}: its licence header ({licence}) is missing; refusing to ship it without it")
        modules.append(ModuleSource(name, kind, _checked_ascii(name, crlf(text), str(path))))
    return modules


def macro_modules(macros_dir: Path = MACROS_DIR) -> list[ModuleSource]:
    """Our hand-written modules: `macros/*.bas` (standard) and `macros/*.cls` (class), named by file stem."""
    modules = []
    for path in sorted(macros_dir.glob("*.bas")) + sorted(macros_dir.glob("*.cls")):
        text = path.read_bytes().decode("ascii", errors="replace")
        _checked_ascii(path.stem, path.read_bytes().decode("latin-1"), str(path))
        kind: ModuleKind = "standard" if path.suffix == ".bas" else "class"
        modules.append(ModuleSource(path.stem, kind, crlf(text)))
    return modules


def document_modules() -> list[ModuleSource]:
    """ThisWorkbook and one module per sheet, named by the code names the builder sets in workbookPr and sheetPr."""
    names = [THIS_WORKBOOK, *(sheet.code_name for sheet in SHEETS)]
    return [ModuleSource(name, "document", f'Attribute VB_Name = "{name}"\r\n') for name in names]


def generated_modules(udf_module: str = "udfs.pmo_udfs") -> list[ModuleSource]:
    return [
        ModuleSource("PmoRibbon", "standard", ribbon_module_source()),
        ModuleSource("xlwings_udfs", "standard", udf_module_source(udf_module)),
    ]


def all_modules(udf_module: str = "udfs.pmo_udfs") -> list[ModuleSource]:
    modules = document_modules() + stock_modules() + macro_modules() + generated_modules(udf_module)
    names = [module.name.lower() for module in modules]
    clashes = sorted({name for name in names if names.count(name) > 1})
    if clashes:
        raise SchemaError(f"two VBA modules share the name(s) {', '.join(clashes)}")
    for module in modules:
        _checked_ascii(module.name, module.source, f"module {module.name}")
    return modules
