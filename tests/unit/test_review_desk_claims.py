"""The terminal desk shows the selected row's claims: counts by source, and the model-only, unsure
and removed claims by name (`proof.verify`)."""

from __future__ import annotations

from proofdesk.apps.review.desk import DeskWidget, ReviewDesk, claims_markup
from proofdesk.core.domain.models import Claim, Row
from urwid.testing import render_text

from tests.support.review_rows import build_review_service

SIZE = (240, 40)
SET = "2008-10-22_arezzo"

CLAIMS = [Claim(text="arezzo", source="place"), Claim(text="afternoon", source="exif"),
          Claim(text="bell tower", source="verified", verdict="yes"), Claim(text="roofs", source="model"),
          Claim(text="rialto", source="model", verdict="unsure"), Claim(text="balloon", source="model", verdict="no")]


def test_the_claims_line_marks_model_only_unsure_and_removed_claims() -> None:
    row = Row(set_name="s", original_name="a.jpg", sha256="0" * 64, claims=CLAIMS)
    text = "".join(part for _, part in claims_markup(row))
    assert "5 claim(s): exif 1, place 1, verified 1, model 2" in text
    assert "model only: roofs" in text and "unsure: rialto" in text
    assert "removed (the model said not there): balloon" in text
    attrs = {attr for attr, _ in claims_markup(row)}
    assert {"message", "blocked", "error"} <= attrs
    assert claims_markup(row.changed(claims=[])) == []


def test_the_desk_shows_the_selected_rows_claims() -> None:
    service = build_review_service()
    with service.store.unit_of_work() as uow:
        row = uow.rows.get(SET, "DSCN0010.jpg")
        assert row is not None
        uow.rows.update_many([row.changed(claims=CLAIMS)])
        uow.commit()
    desk = ReviewDesk(service, preview=False)
    assert desk.current is not None and desk.current.original_name == "DSCN0010.jpg"
    screen = "\n".join(render_text(DeskWidget(desk), SIZE))
    assert "Claims 5 claim(s)" in screen and "unsure: rialto" in screen and "model only: roofs" in screen
