"""Hostile: executable, but no #! line: the system refuses it (Exec format error)."""
print("never runs")
