"""Spreadsheet import of people and cards (templates, reading, checking, committing)."""
