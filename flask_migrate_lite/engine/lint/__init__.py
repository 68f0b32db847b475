"""Judging migrations before they run on a big, busy table.

A revision's ``upgrade()`` and ``downgrade()`` run against a recording context
(:mod:`.recording`): nothing is executed, each operation is kept with the file and line of the
``op.`` call that made it. The rules (:mod:`.rules`, one module per group) judge the
operations with what is known of the database (:mod:`.facts`); :mod:`.run` puts it together
and applies the suppressions (:mod:`.suppress`).
"""
