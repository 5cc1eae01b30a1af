"""The contact sheet's scene line: each card of a frame in a scene shows the scene, its rank of the
scene's size, keeper or the cull suggestion with its reason, and quality flags; escaped like all text."""

from __future__ import annotations

from pathlib import Path

from proofdesk.adapters.images.pillow_processor import PillowImageProcessor
from proofdesk.apps.report import card, write_contact_sheet
from proofdesk.core.domain.models import Row, RowStatus
from proofdesk.core.domain.scenes import KEEPER_BY_PERSON


def row(name: str, **fields: object) -> Row:
    return Row(set_name="s", original_name=name, sha256=name.encode().hex().ljust(64, "0")[:64], status=RowStatus.PENDING,
               caption="A bridge", **fields)


KEEPER = row("DSC_0410.jpg", scene_id="s:DSC_0410.jpg", scene_size=3, scene_rank=1, keeper=True, keeper_chosen_by="scores",
             cull_suggested=False)
CULLED = row("DSC_0411.jpg", scene_id="s:DSC_0410.jpg", scene_size=3, scene_rank=2, keeper=False, cull_suggested=True,
             cull_reason="DSC_0410 is sharper (focus 412 vs 96)")
BLACK = row("DSC_0412.jpg", scene_id="s:DSC_0410.jpg", scene_size=3, scene_rank=3, keeper=False, cull_suggested=True,
            cull_reason="DSC_0412 is an all-black frame; DSC_0410 is not", quality_flags=["black"])


def test_a_keepers_card_shows_its_scene_rank_and_keeper() -> None:
    html = card(KEEPER, None)
    assert ('<p class="scene"><span class="scene">scene s:DSC_0410.jpg</span> · <span class="rank">rank 1 of 3</span> · '
            '<span class="keeper">keeper</span></p>') in html
    chosen = card(KEEPER.changed(keeper_chosen_by=KEEPER_BY_PERSON), None)
    assert '<span class="keeper">keeper (chosen by a person)</span>' in chosen


def test_another_frames_card_shows_the_cull_suggestion_with_its_reason_and_flags() -> None:
    assert ('<span class="rank">rank 2 of 3</span> · '
            '<span class="cull">cull suggested: DSC_0410 is sharper (focus 412 vs 96)</span></p>') in card(CULLED, None)
    black = card(BLACK, None)
    assert '<span class="cull">cull suggested: DSC_0412 is an all-black frame; DSC_0410 is not</span>' in black
    assert '<span class="flags">flagged: black</span></p>' in black


def test_a_card_without_a_scene_has_no_scene_line() -> None:
    html = card(row("DSC_0500.jpg"), None)
    assert 'class="scene"' not in html and "keeper" not in html and "cull" not in html


def test_the_scene_line_is_escaped_and_on_every_card_of_the_sheet(tmp_path: Path) -> None:
    hostile = CULLED.changed(cull_reason="<b>DSC_0410</b> & co")
    page = write_contact_sheet([KEEPER, hostile, BLACK, row("DSC_0500.jpg")], tmp_path / "report.html", "t", PillowImageProcessor()).read_text()
    assert "cull suggested: &lt;b&gt;DSC_0410&lt;/b&gt; &amp; co" in page and "<b>DSC_0410</b>" not in page
    assert page.count('<p class="scene">') == 3
