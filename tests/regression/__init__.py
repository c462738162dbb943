"""The regression fixture: the summary and events of every shipped config, to compare runs with.

Regenerate (only on purpose, naming each change in the commit and the note)::

    python -m tests.regression.update
"""
