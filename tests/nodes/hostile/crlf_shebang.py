#!/usr/bin/env python3
"""Hostile: Windows line endings, so the #! line names python3 followed by a carriage return."""
