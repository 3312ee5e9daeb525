"""Duplicate people (重复人员): the finder (`finder`, `similarity`), its scoped entry point
(`selectors`) and the merge service (`merge`)."""
