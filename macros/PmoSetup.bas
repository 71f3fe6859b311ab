Attribute VB_Name = "PmoSetup"
' The PMO workbook's own VBA: Guide, Check setup and Restart Python. Written in VBA alone so that they work when
' Python does not: they are how a user finds out why Python does not. ASCII only; user-facing texts stay short.
Option Explicit

Private Const PMO_SETUP_HINT As String = "Run `pmo setup excel` in a terminal, then Check setup again."

Public Sub PmoShowGuide()
    shHome.Activate
    shHome.Range("A1").Select
End Sub

Public Sub PmoRestartPython()
    #If Mac Then
        MsgBox "On macOS each button starts a fresh Python; there is nothing to restart.", vbInformation, "PMO"
    #Else
        On Error Resume Next
        KillPy
        On Error GoTo 0
        PmoResetUdfs
        Application.CalculateFull
        MsgBox "Python was restarted; PMO functions were recalculated.", vbInformation, "PMO"
    #End If
End Sub

Public Sub PmoCheckSetup()
    Dim results(1 To 5, 1 To 3) As Variant
    Dim interpreter As String, reply As String, problems As Long
    #If Mac Then
        interpreter = GetConfig("INTERPRETER_MAC", "")
    #Else
        interpreter = GetConfig("INTERPRETER_WIN", "")
    #End If
    If interpreter = "" Then interpreter = GetConfig("INTERPRETER", "")

    PmoSetRow results, 1, "Interpreter", "", ""
    If interpreter = "" Then
        PmoSetRow results, 1, "Interpreter", "Missing", "No INTERPRETER_WIN in your xlwings.conf. " & PMO_SETUP_HINT
    ElseIf InStr(1, interpreter, "WindowsApps", vbTextCompare) > 0 Then
        PmoSetRow results, 1, "Interpreter", "Blocked", "Store-app Python cannot be started by Excel. " & PMO_SETUP_HINT
    ElseIf Not FileExists(interpreter) Then
        PmoSetRow results, 1, "Interpreter", "Missing", interpreter & " does not exist. " & PMO_SETUP_HINT
    Else
        PmoSetRow results, 1, "Interpreter", "OK", interpreter
    End If

    #If Mac Then
        ' Excel for Mac is sandboxed: VBA cannot start Python outside AppleScriptTask, so these two are checked in Terminal.
        PmoSetRow results, 2, "xlwings version", "Not checked", "On macOS run `pmo setup excel --dry-run` in Terminal."
        PmoSetRow results, 3, "pmo_xl importable", "Not checked", "On macOS run `pmo setup excel --dry-run` in Terminal."
    #Else
    If results(1, 2) <> "OK" Then
        PmoSetRow results, 2, "xlwings version", "Not checked", "Needs the interpreter."
        PmoSetRow results, 3, "pmo_xl importable", "Not checked", "Needs the interpreter."
    Else
        reply = PmoAskPython(interpreter, "import xlwings; print(xlwings.__version__)")
        If reply = XLWINGS_VERSION Then
            PmoSetRow results, 2, "xlwings version", "OK", reply
        Else
            PmoSetRow results, 2, "xlwings version", "Mismatch", "Python has xlwings '" & reply & "', this workbook needs " & XLWINGS_VERSION & ". " & PMO_SETUP_HINT
        End If
        reply = PmoAskPython(interpreter, "import pmo_xl; print(pmo_xl.__version__)")
        If reply <> "" And InStr(reply, "Error") = 0 Then
            PmoSetRow results, 3, "pmo_xl importable", "OK", "pmo-xl " & reply
        Else
            PmoSetRow results, 3, "pmo_xl importable", "Missing", "import pmo_xl failed: " & reply & " " & PMO_SETUP_HINT
        End If
    End If
    #End If

    #If Win64 Then
        PmoSetRow results, 4, "Office bitness", "OK", "64-bit Office " & Application.Version & " on " & Application.OperatingSystem
    #Else
        PmoSetRow results, 4, "Office bitness", "OK", "32-bit Office " & Application.Version & " on " & Application.OperatingSystem
    #End If

    PmoCheckMacros results, ThisWorkbook.FullName, ThisWorkbook.Path

    Dim row As Long
    For row = 1 To 5
        If results(row, 2) <> "OK" And results(row, 2) <> "Not checked" Then problems = problems + 1
    Next row
    ' A defined name on the SetupCheck table body: no cell address in the code.
    shHome.Range("SetupCheckResult").Value = results
    shHome.Activate
    If problems = 0 Then
        MsgBox "The PMO setup is complete.", vbInformation, "PMO - Check setup"
    Else
        MsgBox problems & " check(s) need attention; see the Check setup result on the Home sheet.", vbExclamation, "PMO - Check setup"
    End If
End Sub

Public Sub PmoCheckMacros(results() As Variant, fullName As String, folder As String)
    ' An https path means Excel opened the file from OneDrive/SharePoint on the web, outside any trusted folder.
    If InStr(1, fullName, "://") > 0 Then
        PmoSetRow results, 5, "Macros", "Warning", "Macros run, but the workbook was opened from a web (OneDrive/SharePoint) path; use a synced local copy in a trusted location."
    Else
        PmoSetRow results, 5, "Macros", "OK", "Macros are enabled for " & folder
    End If
End Sub

Private Sub PmoSetRow(results() As Variant, row As Long, check As String, verdict As String, detail As String)
    results(row, 1) = check
    results(row, 2) = verdict
    results(row, 3) = detail
End Sub

Private Function PmoAskPython(interpreter As String, statement As String) As String
    ' Runs the console python.exe next to pythonw.exe with a hidden window, output to a temp file: no flash, no hang.
    #If Mac Then
        PmoAskPython = ""
    #Else
        Dim console As String, outputFile As String, exitCode As Long
        console = Replace(interpreter, "pythonw.exe", "python.exe", 1, -1, vbTextCompare)
        outputFile = Environ("TEMP") & "\pmo-check-setup-" & CreateGUID() & ".txt"
        On Error GoTo failed
        exitCode = WScript.Run("cmd.exe /C """"" & console & """ -c """ & statement & """ > """ & outputFile & """ 2>&1""", 0, True)
        PmoAskPython = Trim$(Replace(Replace(ReadFile(outputFile), vbCr, ""), vbLf, " "))
        Kill outputFile
        Exit Function
failed:
        PmoAskPython = "Error " & Err.Number & ": " & Err.Description
    #End If
End Function
