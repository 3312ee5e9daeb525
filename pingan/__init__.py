"""Pingan 平安: grassroots social-governance platform."""

__version__ = "0.1.0"
