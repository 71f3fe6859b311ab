"""The `xlwings_udfs` VBA module: one wrapper per function in `udfs/pmo_udfs.py` (its `__all__`).

xlwings' own generator (`xlwings.udfs.generate_vba_wrapper`, behind *Import Functions*) needs Excel and COM, and
on Linux `@xw.func` records no metadata. So this mirrors its output from `inspect.signature` alone, adding two things
xlwings lacks: a macOS branch that returns a clear text (UDFs don't run there), and a fail-fast flag so that a
broken setup costs one failed Python start, not one per formula in a recalculation storm.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from types import ModuleType

from pmo_xl.errors import SchemaError

UDF_MODULE = "udfs.pmo_udfs"
VBA_MODULE_NAME = "xlwings_udfs"
MAC_TEXT = "PMO functions run in Excel for Windows only; on macOS use the PMO ribbon buttons."

# MS-VBAL 3.3.5.2 <reserved-identifier>: statement and marker keywords, operator identifiers, special forms,
# reserved type identifiers, reserved names, literal identifiers, Rem, names reserved for the implementation and
# future-reserved ones; plus statement names (Error, Line, Load, Name, ...) that VBA misparses as parameters.
# fmt: off
VBA_RESERVED_WORDS = frozenset(word.lower() for word in (
    # statement-keyword
    "Call", "Case", "Close", "Const", "Declare", "DefBool", "DefByte", "DefCur", "DefDate", "DefDbl", "DefInt",
    "DefLng", "DefLngLng", "DefLngPtr", "DefObj", "DefSng", "DefStr", "DefVar", "Dim", "Do", "Else", "ElseIf",
    "End", "EndIf", "Enum", "Erase", "Event", "Exit", "For", "Friend", "Function", "Get", "Global", "GoSub",
    "GoTo", "If", "Implements", "Input", "Let", "Lock", "Loop", "LSet", "Next", "On", "Open", "Option", "Print",
    "Private", "Public", "Put", "RaiseEvent", "ReDim", "Resume", "Return", "RSet", "Seek", "Select", "Set",
    "Static", "Stop", "Sub", "Type", "Unlock", "Wend", "While", "Width", "With", "Write",
    # rem-keyword and marker-keyword
    "Rem", "Any", "As", "ByRef", "ByVal", "Each", "In", "New", "Optional", "ParamArray", "Preserve", "Shared",
    "Spc", "Tab", "Then", "To", "Until", "WithEvents",
    # operator-identifier
    "AddressOf", "And", "Eqv", "Imp", "Is", "Like", "Mod", "Not", "Or", "TypeOf", "Xor",
    # special-form
    "Array", "Circle", "InputB", "LBound", "Scale", "UBound",
    # reserved-type-identifier
    "Boolean", "Byte", "Currency", "Date", "Double", "Integer", "Long", "LongLong", "LongPtr", "Single", "String",
    "Variant",
    # reserved-name
    "Abs", "CBool", "CByte", "CCur", "CDate", "CDbl", "CDec", "CInt", "CLng", "CLngLng", "CLngPtr", "CSng",
    "CStr", "CVar", "CVErr", "Debug", "DoEvents", "Fix", "Int", "Len", "LenB", "Me", "PSet", "Sgn",
    # literal-identifier
    "True", "False", "Nothing", "Empty", "Null",
    # reserved-for-implementation-use
    "Attribute", "LineInput", "VB_Base", "VB_Control", "VB_Creatable", "VB_Customizable", "VB_Description",
    "VB_Exposed", "VB_Ext_KEY", "VB_GlobalNameSpace", "VB_HelpID", "VB_Invoke_Func", "VB_Invoke_Property",
    "VB_Invoke_PropertyPut", "VB_Invoke_PropertyPutRef", "VB_MemberFlags", "VB_Name", "VB_PredeclaredId",
    "VB_ProcData", "VB_TemplateDerived", "VB_UserMemId", "VB_VarDescription", "VB_VarHelpID",
    "VB_VarMemberFlags", "VB_VarProcData", "VB_VarUserMemId",
    # future-reserved
    "CDecl", "Decimal", "DefDec",
    # statements and keywords outside the grammar's list that still break a parameter list
    "Error", "Line", "Load", "Unload", "Mid", "Name", "Object", "Property", "PtrSafe", "Step",
))
# fmt: on


def udf_functions(module: ModuleType) -> list[Callable]:
    names = getattr(module, "__all__", None)
    if not names:
        raise SchemaError(f"{module.__name__} has no __all__: list the Excel functions it exports there")
    return [getattr(module, name) for name in names]


def _vba_parameters(function: Callable) -> tuple[list[str], list[str], str]:
    """The wrapper's declared parameters, the names passed on to Python, and the ParamArray name if any."""
    declared, passed, vararg = [], [], ""
    for parameter in inspect.signature(function).parameters.values():
        name = parameter.name
        where = f"{function.__module__}.{function.__name__}, parameter {name!r}"
        if name.lower() in VBA_RESERVED_WORDS:
            raise SchemaError(f"{where}: is a VBA reserved word; rename it (e.g. {name}_value)")
        if name.startswith("_") or not name.isascii():
            raise SchemaError(f"{where}: VBA names must start with a letter and be ASCII")
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            declared.append(f"ParamArray {name}()")
            vararg = name
        elif parameter.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.VAR_KEYWORD):
            raise SchemaError(f"{where}: Excel passes arguments by position; make it positional")
        elif name == "caller":
            passed.append("Nothing")  # xlwings replaces it with the calling range
            continue
        elif parameter.default is not inspect.Parameter.empty:
            declared.append(f"Optional {name}")
        else:
            declared.append(name)
        if parameter.kind is not inspect.Parameter.VAR_POSITIONAL:
            passed.append(name)
    return declared, passed, vararg


def _wrapper(module_name: str, function: Callable) -> list[str]:
    fname = function.__name__
    declared, passed, vararg = _vba_parameters(function)
    lines = [f"Function {fname}({', '.join(declared)})"]
    lines += ["#If Mac Then", f'    {fname} = "{MAC_TEXT}"', "    Exit Function", "#End If"]
    lines += [
        "    If Not PmoPythonReady() Then",
        f"        {fname} = PmoPythonUnavailableText()",
        "        Exit Function",
    ]
    lines += ["    End If"]
    if vararg:
        fixed = len(passed)
        lines += [
            "    Dim argsArray() As Variant",
            "    Dim k As Long",
            f"    argsArray = Array({', '.join(passed)})",
            f"    ReDim Preserve argsArray(0 To UBound({vararg}) - LBound({vararg}) + {fixed})",
            f"    For k = LBound({vararg}) To UBound({vararg})",
            f"        argsArray({fixed} + k - LBound({vararg})) = {vararg}(k)",
            "    Next k",
        ]
        args_vba = "argsArray"
    else:
        args_vba = f"Array({', '.join(passed)})"
    lines += [
        '    #If App = "Microsoft Excel" Then',
        "        If TypeOf Application.Caller Is Range Then On Error GoTo failed",
        f'        {fname} = XLPy.CallUDF("{module_name}", "{fname}", {args_vba}, ThisWorkbook, Application.Caller)',
        "        Exit Function",
        "    #Else",
        f'        {fname} = XLPy.CallUDF("{module_name}", "{fname}", {args_vba})',
        "        Exit Function",
        "    #End If",
        "failed:",
        "    PmoNoteUdfFailure Err.Number, Err.Description",
        f"    {fname} = Err.Description",
        "End Function",
        "",
    ]
    return lines


# The fail-fast guard. XLPy starts (or reuses) the Python COM server; if that fails once, the setup is broken and
# every later call would fail the same slow way, so all wrappers return at once until Restart Python resets it.
_GUARD = """\
Private PmoPythonUp As Boolean
Private PmoPythonDown As Boolean
Private PmoPythonError As String

Private Function PmoPythonReady() As Boolean
    Dim server As Object
    If PmoPythonDown Then Exit Function
    If Not PmoPythonUp Then
        On Error GoTo down
        Set server = XLPy
        PmoPythonUp = True
    End If
    PmoPythonReady = True
    Exit Function
down:
    PmoPythonDown = True
    PmoPythonError = Err.Description
End Function

Private Function PmoPythonUnavailableText() As String
    PmoPythonUnavailableText = "Python unavailable: " & PmoPythonError & " (PMO tab > Check setup)"
End Function

Private Sub PmoNoteUdfFailure(number As Long, description As String)
    ' 462 and the RPC codes mean the Python server went away: treat as unavailable, not as a bad argument.
    If number = 462 Or number = -2147023174 Or number = -2147023170 Or number = -2147417848 Then
        PmoPythonDown = True
        PmoPythonError = description
    End If
End Sub

Public Sub PmoResetUdfs()
    PmoPythonUp = False
    PmoPythonDown = False
    PmoPythonError = ""
End Sub
"""


def udf_module_source(module: ModuleType | str = UDF_MODULE) -> str:
    """The whole `xlwings_udfs` module, CRLF line ends, as xlwings' *Import Functions* would lay it out."""
    if isinstance(module, str):
        module = importlib.import_module(module)
    lines = [
        f'Attribute VB_Name = "{VBA_MODULE_NAME}"',
        "'Autogenerated by `pmo workbook build` from udfs/pmo_udfs.py - changes will be lost with the next build!",
        '#Const App = "Microsoft Excel" \'Adjust when using outside of Excel',
        "",
    ]
    lines += _GUARD.splitlines()
    lines.append("")
    for function in udf_functions(module):
        lines += _wrapper(module.__name__, function)
    return "\r\n".join(lines)
