"""A photographer's own machine: a config file saved by a Windows editor (UTF-8 with a byte-order
mark, UTF-16) and a work directory or an --output on a read-only file system get a clear message
naming the path and what to do, with exit 0, 2 or 4, never a traceback."""

from __future__ import annotations

import builtins
import codecs
import errno
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Proofdesk

OFFLINE = {"PROOFDESK_CAPTIONER__BACKEND": "offline"}
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


@contextmanager
def read_only_file_system(root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every write at or below `root` fails with OSError(EROFS), as on a read-only mount, at the
    os/io functions Python writes through (mkdir, open for writing, os.open with write flags,
    rename/replace). Tests run as root, whom a chmod does not stop; SQLite's own C-level opens are
    not intercepted, which is why proofdesk probes the queue's folder through Python first."""
    root = root.absolute()

    def refuse(path: object) -> None:
        if isinstance(path, int):
            return
        target = Path(os.fsdecode(path)).absolute()  # type: ignore[arg-type]
        if target == root or root in target.parents:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(target))

    real_mkdir, real_os_open, real_open = os.mkdir, os.open, io.open
    real_replace, real_rename = os.replace, os.rename

    def mkdir(path: Any, *args: Any, **kwargs: Any) -> None:
        refuse(path)
        real_mkdir(path, *args, **kwargs)

    def os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            refuse(path)
        return real_os_open(path, flags, *args, **kwargs)

    def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(flag in mode for flag in "wax+"):
            refuse(file)
        return real_open(file, mode, *args, **kwargs)

    def replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        refuse(dst)
        real_replace(src, dst, *args, **kwargs)

    def rename(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        refuse(dst)
        real_rename(src, dst, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(os, "mkdir", mkdir)
        patch.setattr(os, "open", os_open)
        patch.setattr(io, "open", open_)
        patch.setattr(builtins, "open", open_)
        patch.setattr(os, "replace", replace)
        patch.setattr(os, "rename", rename)
        yield


@pytest.mark.parametrize("workdir_state", ["not created yet", "holding a queue"])
@pytest.mark.parametrize("command", [["rows"], ["run", "SET", "--no-review"], ["report"], ["export"]])
def test_a_workdir_on_a_read_only_file_system_exits_4_naming_it_and_the_workdir_setting(
    proofdesk: Proofdesk, camera_set: Path, monkeypatch: pytest.MonkeyPatch, workdir_state: str, command: list[str]
) -> None:
    """Read-only simulated at the OS boundary (`read_only_file_system`: EROFS from mkdir/open/
    replace below the mount point)."""
    mount = proofdesk.cwd / "mnt"
    config = proofdesk.cwd / "proofdesk.toml"
    mount.mkdir()
    config.write_text('workdir = "mnt/wd"\n[captioner]\nbackend = "offline"\n', encoding="utf-8")
    if workdir_state == "holding a queue":
        assert proofdesk("--config", str(config), "db", "upgrade").exit_code == 0
        assert (mount / "wd" / "queue.sqlite").is_file()
    args = [str(camera_set) if arg == "SET" else arg for arg in command]
    with read_only_file_system(mount, monkeypatch):
        result = proofdesk("--config", str(config), *args)
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output
    assert f"cannot write {mount / 'wd'}" in result.output and "Read-only file system" in result.output
    assert "set `workdir` in the config file (or PROOFDESK_WORKDIR) to a folder you can write" in result.output
    assert proofdesk.incoming_files() == []


@pytest.mark.parametrize("command", ["report", "export"])
def test_report_and_export_to_an_output_on_a_read_only_file_system_exit_4_naming_the_file(
    proofdesk: Proofdesk, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """Read-only simulated at the OS boundary (`read_only_file_system`), the work directory writable."""
    mount = proofdesk.cwd / "mnt"
    mount.mkdir()
    output = mount / ("sheet.html" if command == "report" else "export.json")
    with read_only_file_system(mount, monkeypatch):
        result = proofdesk(command, "--output", str(output), env=OFFLINE)
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output
    assert f"cannot write {output}: Read-only file system" in result.output
    assert "choose an --output in a folder that exists on a writable file system" in result.output
    assert not output.exists()


@pytest.mark.parametrize("command", ["report", "export"])
def test_report_and_export_to_an_output_in_a_folder_that_is_a_file_exit_4_naming_the_file(
    proofdesk: Proofdesk, command: str
) -> None:
    """A file where the output's folder is expected (EEXIST/ENOTDIR: refused by the kernel, also for
    root)."""
    (proofdesk.cwd / "taken").write_text("a file, not a folder")
    output = proofdesk.cwd / "taken" / ("sheet.html" if command == "report" else "export.json")
    result = proofdesk(command, "--output", str(output), env=OFFLINE)
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output
    assert f"cannot write {output}: " in result.output and f"({output.parent})" in result.output
    assert "choose an --output in a folder that exists" in result.output


def test_a_workdir_on_a_real_read_only_mount_exits_4_naming_it(proofdesk: Proofdesk, tmp_path: Path) -> None:
    """A real read-only bind mount in a private mount namespace (`unshare -m`, root only): SQLite's
    own opens see it too. Skipped where mount namespaces are not allowed."""
    config = proofdesk.cwd / "proofdesk.toml"
    config.write_text('workdir = "wd"\n[captioner]\nbackend = "offline"\n', encoding="utf-8")
    assert proofdesk("--config", str(config), "db", "upgrade").exit_code == 0
    workdir = proofdesk.cwd / "wd"
    unshare = shutil.which("unshare")
    probe = subprocess.run([unshare or "unshare", "-m", "sh", "-c",
                            f"mount --bind {workdir} {workdir} && mount -o remount,bind,ro {workdir}"],
                           capture_output=True, text=True) if unshare and os.geteuid() == 0 else None
    if probe is None or probe.returncode != 0:
        pytest.skip("no private mount namespace here (needs root and unshare)")
    script = (f"mount --bind {workdir} {workdir} && mount -o remount,bind,ro {workdir} && "
              f"exec {sys.executable} -m proofdesk.apps --config {config} status")
    result = subprocess.run([unshare, "-m", "sh", "-c", script], cwd=proofdesk.cwd, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 4, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"cannot write {workdir}: Read-only file system" in result.stderr
    assert "PROOFDESK_WORKDIR" in result.stderr
