"""Lists a set folder for stage 1 without following links out of it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from proofdesk.core.domain.intake import SetEntry, SetListing
from proofdesk.core.ports.files import SetScanner

HEAD_BYTES = 16


def _display(name: str) -> tuple[str, bool]:
    """The name as text; names that are not UTF-8 keep their bytes as escapes (surrogateescape)."""
    try:
        name.encode("utf-8")
        return name, True
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"), False


class LocalSetScanner(SetScanner):
    def scan(self, set_dir: str) -> SetListing:
        folder = Path(set_dir).expanduser()
        absolute = folder.absolute()
        name = absolute.name or str(absolute)
        if not folder.exists():
            return SetListing(name, str(absolute), "set folder does not exist")
        if not folder.is_dir():
            return SetListing(name, str(absolute), "not a folder")
        try:
            real_root = folder.resolve(strict=True)
            children = list(os.scandir(folder))
        except PermissionError:
            return SetListing(name, str(absolute), "set folder is not readable (permission denied)")
        except OSError as exc:
            return SetListing(name, str(absolute), f"set folder cannot be read: {exc.strerror or exc}")
        entries = [self._entry(child, real_root) for child in children]
        return SetListing(name, str(absolute), None, tuple(entries))

    def _entry(self, child: os.DirEntry[str], real_root: Path) -> SetEntry:
        shown, is_utf8 = _display(child.name)
        path = child.path
        try:
            if child.is_symlink():
                try:
                    target = Path(path).resolve(strict=True)
                except (RuntimeError, OSError) as exc:
                    is_loop = isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == 40
                    return SetEntry(shown, path, "symlink_loop" if is_loop else "symlink_broken", 0, is_utf8)
                if real_root not in target.parents:
                    return SetEntry(shown, path, "symlink_outside", 0, is_utf8)
            info = os.stat(path)
        except PermissionError:
            return SetEntry(shown, path, "unreadable", 0, is_utf8)
        except OSError:
            return SetEntry(shown, path, "unreadable", 0, is_utf8)
        if stat.S_ISDIR(info.st_mode):
            return SetEntry(shown, path, "dir", 0, is_utf8)
        if not stat.S_ISREG(info.st_mode):
            return SetEntry(shown, path, "special", 0, is_utf8)
        if not os.access(path, os.R_OK):
            return SetEntry(shown, path, "unreadable", info.st_size, is_utf8)
        return SetEntry(shown, path, "file", info.st_size, is_utf8, _head(path))


def _head(path: str) -> bytes:
    """The file's first bytes: enough to tell a JPEG named as RAW from RAW data (b"" when unreadable:
    the image inspector reports that)."""
    try:
        with open(path, "rb") as stream:
            return stream.read(HEAD_BYTES)
    except OSError:
        return b""
