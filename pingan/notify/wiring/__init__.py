"""Staff notifications wired to the rest of the platform.

Each module turns one kind of committed fact into messages: case steps (`steps`), deadline
alerts (`clocks`), 司法确认 reminders (`disputes`), merged duplicates (`merges`), overdue
registry visits (`visits`). Every message has a deterministic idempotency key built from the
fact's own id, so running any of them again never tells anyone twice. They run in tasks
(`pingan.notify.tasks`), never inside the write that produced the fact.
"""
