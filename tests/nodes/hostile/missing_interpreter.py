#!/nonexistent/bin/python3
"""Hostile: its #! line names an interpreter that does not exist."""
