"""A fallback score is a formula over pixel statistics, not a model's score: it never reaches the
gallery table as a score (the gallery gets NULL); a model score is published as it is."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from proofdesk.adapters.gallery.sql import SqlGallery
from proofdesk.core.domain.models import Row
from proofdesk.core.domain.publishing import PublishOptions, gallery_entry


def _row(**fields: object) -> Row:
    return Row(set_name="trip", original_name="IMG_0001.jpg", sha256="a" * 64, caption="Harbour at dawn.",
               alt_text="Harbour", keywords=["harbour"], file_name="harbour-1.jpg", width=64, height=48,
               brisque_score=37.5, clip_aesthetic_score=4.9).changed(**fields)


def test_fallback_scores_are_not_gallery_scores() -> None:
    entry = gallery_entry(_row(brisque_fallback=True, clip_aesthetic_fallback=True), PublishOptions())
    assert entry.brisque_score is None and entry.aesthetic_score is None
    model = gallery_entry(_row(brisque_fallback=False, clip_aesthetic_fallback=False), PublishOptions())
    assert model.brisque_score == 37.5 and model.aesthetic_score == 4.9


def test_the_gallery_table_holds_null_for_a_fallback_aesthetic_score(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gallery.db'}"
    gallery = SqlGallery(url, backoff_s=0.01)
    gallery.ensure_table()
    gallery.upsert(gallery_entry(_row(brisque_fallback=False, clip_aesthetic_fallback=True), PublishOptions()))
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        aesthetic, brisque = connection.execute(sa.text("SELECT Aesthetic_Score, Brisque_Score FROM gallery")).one()
    engine.dispose()
    assert aesthetic is None and brisque == 37.5
