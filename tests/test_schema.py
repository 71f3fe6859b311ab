"""The schema is the contract: it refuses declarations Excel would misread."""

import pytest

from pmo_xl.errors import SchemaError
from pmo_xl.templates.catalog import SCHEMAS
from pmo_xl.templates.schema import (
    Column,
    Field,
    Section,
    Table,
    TemplateSchema,
    check_defined_name,
    looks_like_cell_reference,
)


@pytest.mark.parametrize("name", ["FTE2026", "A1", "a1", "XFD1048576", "AB12", "R1C1", "r2c3", "R", "C", "RC", "R12"])
def test_names_excel_reads_as_cell_references_are_rejected(name):
    assert looks_like_cell_reference(name)
    with pytest.raises(SchemaError, match="cell reference"):
        Field(name, "Label", "text")


@pytest.mark.parametrize("name", ["fte_2026", "FTE2026x", "XFE1", "A1048577", "project_id", "rag_overall", "_x"])
def test_ordinary_names_are_accepted(name):
    check_defined_name(name)
    assert Field(name, "Label", "text").name == name


@pytest.mark.parametrize("name", ["1st", "has space", "a-b", "TRUE", ""])
def test_names_that_are_not_excel_names_are_rejected(name):
    with pytest.raises(SchemaError):
        check_defined_name(name)


def test_choice_without_values_unknown_type_and_long_label_are_rejected():
    with pytest.raises(SchemaError, match="allowed values"):
        Field("stage", "Stage", "choice")
    with pytest.raises(SchemaError, match="unknown type"):
        Field("stage", "Stage", "colour")
    with pytest.raises(SchemaError, match="32"):
        Field("stage", "A label far longer than Excel allows", "text")


def test_a_template_rejects_duplicate_names_and_dangling_conditions():
    section = Section("S", (Field("a_field", "A", "text"), Field("a_field", "A again", "text")))
    with pytest.raises(SchemaError, match="duplicate field"):
        TemplateSchema("t", "1", "T", "Main", (section,), (), "{project_id}.xlsx")
    conditional = Section("S", (Field("why", "Why", "text", required_when=("nowhere", ("Red",))),))
    with pytest.raises(SchemaError, match="unknown field"):
        TemplateSchema("t", "1", "T", "Main", (conditional,), (), "{project_id}.xlsx")


def test_tables_need_unique_headers_and_an_id_column_for_stable_ids():
    with pytest.raises(SchemaError, match="duplicate column"):
        Table("T1x", "S", "T", (Column("a", "Name", "text"), Column("b", "name", "text")))
    with pytest.raises(SchemaError, match="stable ids"):
        Table("Things", "S", "T", (Column("a", "Name", "text"),), id_prefix="T-")


def test_every_shipped_field_declares_what_the_contract_asks_for():
    for schema in SCHEMAS.values():
        for field in schema.fields:
            assert field.label and field.help, f"{schema.template_id}.{field.name} needs a label and help text"
            assert field.type in ("text", "integer", "number", "percent", "currency", "date", "choice", "rag")
        for table in schema.tables:
            assert table.columns and table.rows > 0


def test_amber_or_red_rag_makes_rationale_and_path_to_green_required():
    status = SCHEMAS["project_status"]
    for dimension in ("overall", "schedule", "cost", "scope", "resources", "benefits"):
        for suffix in ("rationale", "path_to_green"):
            field = status.field(f"rag_{dimension}_{suffix}")
            assert field.required_when == (f"rag_{dimension}", ("Amber", "Red"))
