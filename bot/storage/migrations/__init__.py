"""Alembic migrations of the feedback store's schema; ``FeedbackStore`` runs them on start.

A new schema change is a new file in ``versions/`` (``alembic revision`` with this folder as
``script_location``, or by hand after the two here). Keep changes additive where possible:
during a rolling deploy, replicas of the previous version run against the migrated schema.
"""
