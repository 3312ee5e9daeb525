"""Moves of people between grids, villages and counties (人员迁移交接) on the case engine.

`casetype.py` declares the `person_move` case type (QY…), `services.py` the writes,
`selectors.py` the scoped reads and the 漏管 flag, `receivers.py` who receives a move.
"""
