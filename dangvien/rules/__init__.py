"""Regulation rule sets and dossier checks: pure functions, no database, no Django."""
