"""Project plans as Microsoft Project saves them, made in the test (no binary fixtures): Project XML (MSPDI)."""

from __future__ import annotations


def project_xml(tasks: str, *, title: str = "Data centre move") -> bytes:
    """A Project XML file as Project saves it: the project summary task (UID 0), then `tasks`."""
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Project xmlns="http://schemas.microsoft.com/project">
  <SaveVersion>14</SaveVersion>
  <Title>{title}</Title>
  <Tasks>
    <Task><UID>0</UID><ID>0</ID><Name>{title}</Name><OutlineLevel>0</OutlineLevel><Summary>1</Summary>
      <Start>2026-01-05T08:00:00</Start><Finish>2026-06-30T17:00:00</Finish></Task>
    {tasks}
  </Tasks>
</Project>""".encode()


# A realistic small plan: a phase (summary) with a finished task and a milestone, a blank row, and a second phase
# whose milestone has moved from its baseline and carries a deadline. UIDs are not in row order, as after edits.
DATA_CENTRE_MOVE = project_xml("""
    <Task><UID>1</UID><ID>1</ID><Name>Design</Name><OutlineLevel>1</OutlineLevel><Summary>1</Summary>
      <Milestone>0</Milestone><Start>2026-01-05T08:00:00</Start><Finish>2026-02-27T17:00:00</Finish>
      <ActualStart>2026-01-05T08:00:00</ActualStart><PercentComplete>60</PercentComplete>
      <Baseline><Number>0</Number><Start>2026-01-05T08:00:00</Start><Finish>2026-02-20T17:00:00</Finish></Baseline>
    </Task>
    <Task><UID>7</UID><ID>2</ID><Name>Survey the racks</Name><OutlineLevel>2</OutlineLevel><Summary>0</Summary>
      <Milestone>0</Milestone><Start>2026-01-05T08:00:00</Start><Finish>2026-01-30T17:00:00</Finish>
      <ActualStart>2026-01-05T08:00:00</ActualStart><ActualFinish>2026-01-30T17:00:00</ActualFinish>
      <PercentComplete>100</PercentComplete>
      <Baseline><Number>0</Number><Start>2026-01-05T08:00:00</Start><Finish>2026-01-23T17:00:00</Finish></Baseline>
      <Baseline><Number>1</Number><Start>2026-01-12T08:00:00</Start><Finish>2026-01-30T17:00:00</Finish></Baseline>
    </Task>
    <Task><UID>3</UID><ID>3</ID><Name>Design signed off</Name><OutlineLevel>2</OutlineLevel><Summary>0</Summary>
      <Milestone>1</Milestone><Start>2026-02-27T17:00:00</Start><Finish>2026-02-27T17:00:00</Finish>
      <PercentComplete>0</PercentComplete>
      <Baseline><Number>0</Number><Start>2026-02-20T17:00:00</Start><Finish>2026-02-20T17:00:00</Finish></Baseline>
    </Task>
    <Task><UID>9</UID><ID>4</ID><IsNull>1</IsNull><OutlineLevel>1</OutlineLevel></Task>
    <Task><UID>4</UID><ID>5</ID><Name>Cut-over weekend</Name><OutlineLevel>1</OutlineLevel><Summary>0</Summary>
      <Milestone>1</Milestone><Start>2026-06-27T08:00:00</Start><Finish>2026-06-27T08:00:00</Finish>
      <Deadline>2026-06-30T17:00:00</Deadline><PercentComplete>0</PercentComplete>
      <Baseline><Number>0</Number><Start>2026-06-13T08:00:00</Start><Finish>2026-06-13T08:00:00</Finish></Baseline>
    </Task>
""")
