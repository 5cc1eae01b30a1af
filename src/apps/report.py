"""The contact sheet: one static HTML page of rows (`report.html`) with small thumbnails in a
`thumbs/` folder beside it, relative links, no network. Cards show the thumbnail, caption, alt
text, keywords with their claims (counts by source; model-only, unsure and removed ones named),
file name, scores (fallbacks marked), the scene line (scene, rank, keeper or the cull suggestion
with its reason, quality flags), the proof's verdict with its reasons and the status; the header
counts the sheet's claims; links filter to blocked / pending / approved / rejected / published rows
and to the frames suggested for culling (plain HTML, a little JS). Every text is
escaped. Thumbnails are small, lazily loaded and reused when the photo has not changed, so a sheet of
2,000 rows stays light."""

from __future__ import annotations

import os
from collections.abc import Sequence
from html import escape
from pathlib import Path

from proofdesk.apps.review.preview import preview_source, scene_parts
from proofdesk.core.domain.models import Claim, Row
from proofdesk.core.domain.proof.claims import ClaimCounts
from proofdesk.core.domain.queue import is_blocked
from proofdesk.core.ports.media import ImageDecodeError, ImageProcessor

THUMB_EDGE = 240
THUMB_QUALITY = 72
THUMBS = "thumbs"

STYLE = """
body{font:15px/1.4 system-ui,sans-serif;margin:0;background:#f4f4f2;color:#222}
header{position:sticky;top:0;background:#222;color:#fff;padding:.5em 1em;z-index:1}
header h1{font-size:1.1em;margin:0 0 .3em}
nav a{color:#fff;margin-right:1em;text-decoration:none;border-bottom:2px solid transparent}
nav a.on{border-color:#fc0}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:12px;padding:12px}
.card{background:#fff;border-radius:6px;overflow:hidden;box-shadow:0 1px 3px #0002;word-wrap:break-word}
.card[hidden]{display:none}
.card img,.card .noimg{display:block;width:100%;height:auto;aspect-ratio:3/2;object-fit:contain;background:#ddd}
.card .noimg{display:flex;align-items:center;justify-content:center;color:#666}
.card div.body{padding:8px 10px}
.card p{margin:.3em 0}
.label{color:#666;font-size:.85em}
.blocked .verdict{color:#b00;font-weight:bold}
.accepted .verdict{color:#070;font-weight:bold}
.status{float:right;font-size:.8em;background:#eee;border-radius:3px;padding:0 .4em}
.scene{font-size:.85em;color:#555}
.scene .keeper{color:#070;font-weight:bold}
.scene .cull{color:#a60}
.scene .flags{color:#b00;font-weight:bold}
ul.reasons{margin:.2em 0;padding-left:1.2em;color:#b00;font-size:.9em}
.claims{font-size:.85em}
header .claims{margin:.3em 0 0}
.claims .model-only{color:#a60}
.claims .unsure{color:#a60;font-weight:bold}
.claims .removed{color:#b00}
"""

SCRIPT = """
(function(){
  var cards=[].slice.call(document.querySelectorAll('.card'));
  function apply(){
    var f=(location.hash||'#all').slice(1);
    cards.forEach(function(c){c.hidden=f!=='all'&&(' '+c.dataset.groups+' ').indexOf(' '+f+' ')<0;});
    [].forEach.call(document.querySelectorAll('nav a'),function(a){a.className=a.hash==='#'+f?'on':'';});
    document.documentElement.dataset.filter=f;
  }
  function images(){
    var imgs=[].slice.call(document.images);
    var loaded=imgs.filter(function(i){return i.complete&&i.naturalWidth>0;}).length;
    var root=document.documentElement.dataset;
    root.imagesTotal=imgs.length;root.imagesLoaded=loaded;
    if(loaded<imgs.length)setTimeout(images,100);
  }
  window.addEventListener('hashchange',apply);
  apply();images();
})();
"""


def thumbnail(row: Row, folder: Path, processor: ImageProcessor) -> str | None:
    """The row's thumbnail in `folder` (written when missing, through the image processor, which
    reads camera RAW originals too), as a path relative to the sheet."""
    source = preview_source(row)
    if source is None:
        return None
    name = f"{row.sha256[:20]}-{THUMB_EDGE}.jpg"
    target = folder / name
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        try:
            data = processor.thumbnail(Path(source).read_bytes(), THUMB_EDGE, THUMB_QUALITY)
            temp = target.with_suffix(".tmp")
            temp.write_bytes(data)
            os.replace(temp, target)
        except (OSError, ValueError, ImageDecodeError):
            return None
    return f"{THUMBS}/{name}"


def groups(row: Row) -> str:
    names = ["all", row.status.value]
    if is_blocked(row):
        names.append("blocked")
    if row.cull_suggested:
        names.append("culled")
    return " ".join(names)


def _score(label: str, value: float | None, fallback: bool | None, digits: int) -> str:
    if value is None:
        return f"{label} –"
    return f"{label} {value:.{digits}f}" + (" <em>(fallback)</em>" if fallback else "")


def scene_html(row: Row) -> str:
    """The card's scene line: "scene <id> · rank 2 of 5 · keeper" or "… · cull suggested: <reason>",
    with "· flagged: black" when the frame has quality flags; "" for a row without a scene."""
    parts = scene_parts(row)
    if not parts:
        return ""
    spans = " · ".join(f'<span class="{escape(kind)}">{escape(text)}</span>' for kind, text in parts)
    return f'<p class="scene">{spans}</p>'


def claims_html(claims: Sequence[Claim]) -> str:
    """The claims line: counts by source, then the model-only, unsure and removed claims by name
    ("" without claims). A card shows its row's; the header the whole sheet's."""
    counts = ClaimCounts.of(claims)
    summary = counts.describe()
    if not summary:
        return ""
    marks = "".join(f' · <span class="{kind}">{escape(label)}: {escape(", ".join(texts))}</span>'
                    for kind, label, texts in (("model-only", "model only", counts.model_only),
                                               ("unsure", "unsure", counts.unsure),
                                               ("removed", "removed (the model said not there)", counts.removed))
                    if texts)
    return f'<p class="claims"><span class="label">Claims:</span> {escape(summary)}{marks}</p>'


def card(row: Row, thumb: str | None) -> str:
    verdict = row.metadata_quality.value if row.metadata_quality else "not proven"
    picture = (f'<img src="{escape(thumb)}" loading="lazy" decoding="async" alt="{escape(row.alt_text or "")}">'
               if thumb else '<div class="noimg">no image file</div>')
    reasons = [r for r in row.proof_reasons if not r.is_fix]
    reason_list = ("<ul class=\"reasons\">" + "".join(f"<li>{escape(r.rule)}: {escape(r.text)}</li>" for r in reasons)
                   + "</ul>") if reasons else ""
    kind = "blocked" if is_blocked(row) else verdict.replace(" ", "-")
    return (
        f'<article class="card {escape(kind)}" data-groups="{escape(groups(row))}" data-key="{escape(row.key_text)}">'
        f"{picture}<div class=\"body\">"
        f'<span class="status">{escape(row.status.value)}</span>'
        f'<p><b>{escape(row.file_name or row.original_name)}</b></p>'
        f'<p class="label">{escape(row.set_name)}/{escape(row.original_name)}</p>'
        f'<p class="caption">{escape(row.caption or "")}</p>'
        f'<p><span class="label">Alt text:</span> <span class="alt">{escape(row.alt_text or "")}</span></p>'
        f'<p><span class="label">Keywords:</span> {escape(", ".join(row.keywords))}</p>'
        f"{claims_html(row.claims)}"
        f'<p class="label">{_score("BRISQUE", row.brisque_score, row.brisque_fallback, 1)} · '
        f'{_score("aesthetic", row.clip_aesthetic_score, row.clip_aesthetic_fallback, 2)}</p>'
        f"{scene_html(row)}"
        f'<p>Proof: <span class="verdict">{escape(verdict)}</span></p>{reason_list}'
        "</div></article>"
    )


def write_contact_sheet(rows: Sequence[Row], target: Path, title: str, processor: ImageProcessor) -> Path:
    """Write the sheet of `rows` to `target` (thumbnails made by `processor` in `thumbs/` beside it);
    returns `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = target.parent / THUMBS
    counts = {"all": len(rows), "blocked": 0, "pending": 0, "approved": 0, "rejected": 0, "published": 0, "culled": 0}
    cards = []
    for row in rows:
        for name in groups(row).split()[1:]:
            if name in counts:
                counts[name] += 1
        cards.append(card(row, thumbnail(row, folder, processor)))
    nav = "".join(f'<a href="#{name}">{name} ({count})</a>' for name, count in counts.items())
    page = (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{escape(title)}</h1><nav>{nav}</nav>{claims_html([c for row in rows for c in row.claims])}</header>"
        f"<main>{''.join(cards)}</main><script>{SCRIPT}</script></body></html>\n"
    )
    temp = target.with_suffix(".html.tmp")
    temp.write_text(page, encoding="utf-8")
    os.replace(temp, target)
    return target
