"""The contact sheet's HTML: escaped text, filter groups and counts, small lazily loaded thumbnails
that are reused, and a 2,000-row sheet that stays light."""

from __future__ import annotations

import time
from pathlib import Path

from PIL import Image
from proofdesk.adapters.images.pillow_processor import PillowImageProcessor
from proofdesk.apps.report import THUMB_EDGE, write_contact_sheet
from proofdesk.core.domain.models import ProofReason, ProofVerdict, Row, RowStatus

PROCESSOR = PillowImageProcessor()  # what the container gives the contact sheet


def row(i: int, path: Path | None = None, **fields: object) -> Row:
    values: dict[str, object] = dict(
        set_name="s", original_name=f"DSC{i:05d}.jpg", sha256=f"{i:064x}", status=RowStatus.PENDING,
        ollama_path=str(path) if path else None, caption=f"Caption {i}", alt_text=f"Alt {i}",
        keywords=["bridge", "river"], file_name=f"bridge-{i}.jpg", metadata_quality=ProofVerdict.ACCEPTED,
        brisque_score=40.0, brisque_fallback=False, clip_aesthetic_score=5.0, clip_aesthetic_fallback=True)
    return Row(**{**values, **fields})


def test_text_is_escaped_and_cards_carry_their_filter_groups(tmp_path: Path) -> None:
    hostile = row(1, caption='<script>alert(1)</script> "quoted" & more',
                  metadata_quality=ProofVerdict.BLOCKED,
                  proof_reasons=[ProofReason(rule="caption.length", field="caption", message="<b>too short</b>")])
    approved = row(2, status=RowStatus.APPROVED)
    page = write_contact_sheet([hostile, approved, row(3)], tmp_path / "report.html", "sheet <1>", PROCESSOR).read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &amp; more" in page
    assert "&lt;b&gt;too short&lt;/b&gt;" in page and "<title>sheet &lt;1&gt;</title>" in page
    assert 'data-groups="all pending blocked"' in page and 'data-groups="all approved"' in page
    assert '<a href="#blocked">blocked (1)</a>' in page and '<a href="#pending">pending (2)</a>' in page
    assert "aesthetic 5.00 <em>(fallback)</em>" in page and "BRISQUE 40.0 ·" in page
    assert page.count("no image file") == 3 and 'name="viewport"' in page


def test_thumbnails_are_small_relative_lazy_and_reused(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (3000, 2000), (10, 120, 200)).save(photo)
    target = tmp_path / "out" / "report.html"
    page = write_contact_sheet([row(1, photo)], target, "t", PROCESSOR).read_text()
    thumbs = list((target.parent / "thumbs").glob("*.jpg"))
    assert len(thumbs) == 1 and f'src="thumbs/{thumbs[0].name}" loading="lazy"' in page
    with Image.open(thumbs[0]) as thumb:
        assert max(thumb.size) == THUMB_EDGE
    stamp = thumbs[0].stat().st_mtime_ns
    write_contact_sheet([row(1, photo)], target, "t", PROCESSOR)
    assert thumbs[0].stat().st_mtime_ns == stamp  # reused, not written again


def test_two_thousand_rows_stay_light(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (1200, 800), (200, 120, 10)).save(photo)
    rows = [row(i, photo if i < 20 else None) for i in range(2000)]
    started = time.perf_counter()
    page = write_contact_sheet(rows, tmp_path / "report.html", "big", PROCESSOR)
    assert time.perf_counter() - started < 20
    assert page.stat().st_size < 4_000_000 and page.read_text().count("<article") == 2000
