"""Alembic migrations of the review-queue schema (ADR 0012); run by `proofdesk.adapters.storage.migrate`."""
