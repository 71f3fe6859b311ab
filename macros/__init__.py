"""Ribbon entry points (RunPython targets) plus the VBA and ribbon XML sources they ship with."""
