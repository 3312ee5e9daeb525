"""The callback (回访) queue: closed cases waiting for the reporter's verdict, the phone
callback record, the SMS survey link, and satisfaction counts for the KPIs.

Docs: docs/user/callbacks.md.
"""
