"""The 12345-style hotline: an operator page for calls (report, duplicate hints, the caller's
earlier cases, "reach my grid worker" *180) and a JSON endpoint for the telephony bridge.

Docs: docs/integration/hotline.md.
"""
