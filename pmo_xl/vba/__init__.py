"""The VBA project writer: MS-OVBA source streams inside an MS-CFB compound file (``xl/vbaProject.bin``).

Hand-written because no maintained Python library writes MS-OVBA projects: olefile and oletools only read
compound files and VBA, and the one PyPI compressor (ms-ovba-compression 1.0.1) miscomputes the maximum copy
length and corrupts long streams. ``docs/vba.md`` explains the format decisions.
"""
