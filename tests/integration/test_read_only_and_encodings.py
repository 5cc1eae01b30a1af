"""A photographer's own machine: a config file saved by a Windows editor (UTF-8 with a byte-order
mark, UTF-16) and a work directory or an --output on a read-only file system get a clear message
naming the path and what to do, with exit 0, 2 or 4, never a traceback."""

from __future__ import annotations

import codecs

import pytest

from tests.integration.conftest import Proofdesk

CONFIG = '# proofdesk\nworkdir = "wd-from-file"\n\n[captioner]\nbackend = "offline"\n'


ENCODINGS = {
    "utf-8 with a byte-order mark": codecs.BOM_UTF8 + CONFIG.encode("utf-8"),
    "utf-16 with a byte-order mark": CONFIG.encode("utf-16"),
    "utf-16 big-endian with a byte-order mark": codecs.BOM_UTF16_BE + CONFIG.encode("utf-16-be"),
    "utf-16 little-endian without a byte-order mark": CONFIG.encode("utf-16-le"),
}


@pytest.mark.parametrize(("encoding", "data"), ENCODINGS.items(), ids=list(ENCODINGS))
def test_a_config_file_saved_with_a_byte_order_mark_or_as_utf16_is_read(
    proofdesk: Proofdesk, encoding: str, data: bytes
) -> None:
    config = proofdesk.cwd / "proofdesk.toml"
    config.write_bytes(data)
    result = proofdesk("--config", str(config), "status")
    assert result.exit_code == 0, f"{encoding}: {result.output}"
    assert "wd-from-file" in result.output  # the file's workdir, so the file was read
    assert "Traceback" not in result.output


def test_a_config_file_in_a_legacy_code_page_is_refused_naming_the_byte_and_the_encoding_to_use(
    proofdesk: Proofdesk,
) -> None:
    config = proofdesk.cwd / "proofdesk.toml"
    config.write_bytes((CONFIG + "# café\n").encode("cp1252"))
    result = proofdesk("--config", str(config), "status")
    assert result.exit_code == 2, result.output
    assert str(config) in result.output or "proofdesk.toml" in result.output
    assert "not UTF-8 text" in result.output and "0xe9" in result.output and "save it as UTF-8" in result.output
    assert "Traceback" not in result.output
