"""proofdesk as a library: build the pipeline from a config in your own script, swap an adapter,
and look at the results. Run it from the project root:

    .venv/bin/python examples/library_use.py /tmp/proofdesk-example

It builds the quick start's demo set (`proofdesk.apps.demo`: six photos scikit-image ships, with
capture time and GPS), runs stages 1-7 with the offline captioner, swaps the EXIF reader for one of
yours (here: a wrapper that counts calls), approves what the proof accepted and publishes to a
local folder and a SQLite gallery. To bind the contract suite to your own adapter, see
`tests/contract/exif/test_bindings.py`: `class TestMyReader(ExifReaderContract)` + a `reader`
fixture is all it takes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dependency_injector import providers
from proofdesk.adapters.exif.pyexiv2_reader import Pyexiv2ExifReader
from proofdesk.adapters.memory import RecordingReporter
from proofdesk.apps.config import load_settings
from proofdesk.apps.container import build_container
from proofdesk.apps.demo import SET_NAME, build_demo_set
from proofdesk.core.domain.models import ExifFacts, RowStatus
from proofdesk.core.ports.files import ExifReader
from proofdesk.core.services.publish import publish_approved


class CountingExifReader(ExifReader):
    """Your own adapter: anything that implements the port can replace the built-in one."""

    def __init__(self) -> None:
        self.inner = Pyexiv2ExifReader()
        self.calls = 0

    def read(self, path: str) -> ExifFacts:
        self.calls += 1
        return self.inner.read(path)


def main(workdir: Path) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    set_dir = workdir / SET_NAME
    build_demo_set(set_dir)  # the same bytes every time: a second run finds nothing new
    config = workdir / "proofdesk.toml"
    config.write_text('workdir = "state"\n[captioner]\nbackend = "offline"\n[scoring]\nbrisque_engine = "fallback"\n')

    container = build_container(load_settings(config))
    reader = CountingExifReader()
    container.exif_reader.override(providers.Object(reader))  # swap one adapter

    reporter = RecordingReporter()
    result = container.pipeline(reporter=reporter).run([str(set_dir)])
    print(f"session {result.session_id}: {result.summary()}; EXIF reads by my adapter: {reader.calls}")

    review = container.review_service()
    for row in review.rows("pending"):
        if row.metadata_quality is not None and row.metadata_quality.value == "accepted":
            review.approve(row.key_text)

    report = publish_approved(container.publisher(reporter=reporter))
    print(report.summary())
    for row in review.rows():
        if row.status == RowStatus.PUBLISHED:
            print(f"{row.file_name}: {row.caption}")
        else:  # a frame the scene stage suggests culling: its scene's keeper was published
            assert row.cull_suggested, row.key_text
            print(f"{row.key_text}: {row.status.value}, {row.cull_reason}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("example-work"))
