"""Stage 1 as a use case: every file of every set inspected before anything is written."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath

from proofdesk.core.domain.intake import (
    JPEG_EXTENSIONS,
    JPEG_MAGIC,
    KNOWN_UNSUPPORTED_EXTENSIONS,
    RAW_EXTENSIONS,
    SUPPORTED_FORMATS,
    ImageCheck,
    IntakeRules,
    Problem,
    SetEntry,
    SetListing,
    ValidationReport,
    ValidFile,
    printable_path,
    raw_pairs,
    raw_problem,
    unsafe_name_reason,
)
from proofdesk.core.domain.models import PhotoSet
from proofdesk.core.ports.files import ImageInspector, SetScanner


def validate_sets(
    set_dirs: list[str], scanner: SetScanner, inspector: ImageInspector, rules: IntakeRules,
    names: Mapping[str, str] | None = None,
) -> ValidationReport:
    """Stage 1 over every set; collects all problems (reads only, writes nothing). `names` gives a
    set folder another set name than its own (`run --set-name`)."""
    report = ValidationReport()
    extensions = {ext.lower() for ext in rules.extensions}
    ignore = set(rules.ignore_names)
    seen_set_names: dict[str, str] = {}
    for set_dir in set_dirs:
        listing = scanner.scan(set_dir)
        set_name = (names or {}).get(set_dir) or listing.name
        if listing.problem is not None:
            report.problems.append(Problem(set_name, None, listing.path, listing.problem))
            continue
        name_problem = unsafe_name_reason(set_name)
        if name_problem:
            report.problems.append(Problem(set_name, None, listing.path, f"set folder {name_problem}"))
            continue
        if set_name in seen_set_names and seen_set_names[set_name] != listing.path:
            report.problems.append(
                Problem(set_name, None, listing.path,
                        f"another set in this run has the same folder name ({seen_set_names[set_name]})")
            )
            continue
        if set_name in seen_set_names:
            continue  # the same folder given twice
        seen_set_names[set_name] = listing.path
        report.sets.append(PhotoSet(name=set_name, path=listing.path))
        valid_in_set = _validate_entries(set_name, listing, inspector, rules, extensions, ignore, report)
        if valid_in_set == 0 and not any(p.set_name == set_name for p in report.problems):
            report.problems.append(Problem(set_name, None, listing.path, "the set holds no photos"))
    return report


def _jpeg_beside(raw_name: str, listing: SetListing) -> str | None:
    """The JPEG with the raw file's name (IMG_0001.CR2 -> IMG_0001.JPG), if the set has one."""
    return raw_pairs([entry.name for entry in listing.entries if entry.kind == "file"]).get(raw_name)


def _validate_entries(
    set_name: str,
    listing: SetListing,
    inspector: ImageInspector,
    rules: IntakeRules,
    extensions: set[str],
    ignore: set[str],
    report: ValidationReport,
) -> int:
    by_hash: dict[str, str] = {}
    valid = 0
    readable_raw = inspector.raw_formats()
    by_name = {entry.name: entry for entry in listing.entries}
    # RAW + JPEG pairs whose RAW proofdesk reads: {RAW name: JPEG name}, and the other way round
    pairs = {raw: jpeg for raw, jpeg in raw_pairs([e.name for e in listing.entries if e.kind == "file"]).items()
             if PurePath(raw).suffix.lower() in readable_raw and not by_name[raw].head.startswith(JPEG_MAGIC)}
    raw_of = {jpeg: raw for raw, jpeg in pairs.items()}
    checks: dict[str, ImageCheck] = {}

    def inspect(entry: SetEntry) -> ImageCheck:
        if entry.name not in checks:
            checks[entry.name] = inspector.inspect(entry.path, rules.max_image_pixels)
        return checks[entry.name]

    def raw_is_picture(raw_name: str) -> bool:
        """With intake.raw_pairs = raw, the RAW of a pair is the picture unless it has no picture data
        (then its JPEG stands in, and the RAW's problem is reported)."""
        raw_entry = by_name[raw_name]
        return rules.raw_pairs == "raw" and raw_entry.size_bytes > 0 and inspect(raw_entry).problem is None

    for entry in sorted(listing.entries, key=lambda e: e.name):
        def problem(message: str, entry: SetEntry = entry) -> None:
            report.problems.append(Problem(set_name, entry.name, printable_path(entry.path), message))

        def ignored(message: str, entry: SetEntry = entry) -> None:
            report.ignored.append(Problem(set_name, entry.name, printable_path(entry.path), message))

        if entry.name in ignore:
            continue
        if entry.name.startswith("."):
            ignored("hidden file skipped")
            continue
        if entry.kind == "dir":
            ignored("sub-folder skipped (a set is one flat folder; give it as its own set)")
            continue
        reason = unsafe_name_reason(entry.name, entry.name_is_utf8)
        if reason:
            problem(reason)
            continue
        if entry.kind == "symlink_outside":
            problem("symlink leaves the set folder; copy the photo into the set instead")
            continue
        if entry.kind in ("symlink_broken", "symlink_loop"):
            problem("broken or looping symlink")
            continue
        if entry.kind == "special":
            problem("not a regular file")
            continue
        if entry.kind == "unreadable":
            problem("cannot be read (permission denied or I/O error)")
            continue
        suffix = PurePath(entry.name).suffix.lower()
        partners: dict[str, str] = {}
        if suffix in RAW_EXTENSIONS:  # before intake.extensions: a RAW file is taken whatever it says
            jpeg = _jpeg_beside(entry.name, listing)
            if entry.head.startswith(JPEG_MAGIC) or suffix not in readable_raw:
                if jpeg is not None:
                    why = "it holds a JPEG, not RAW data" if entry.head.startswith(JPEG_MAGIC) \
                        else "the installed LibRaw does not read this RAW format"
                    ignored(f"raw file skipped: {jpeg} beside it is the picture proofdesk captions ({why})")
                else:
                    problem(raw_problem(suffix, entry.head))
                continue
            if entry.name in pairs and not raw_is_picture(entry.name):
                if rules.raw_pairs == "raw":
                    problem(inspect(entry).problem or "could not be read")
                else:
                    ignored(f"raw file of a pair: {pairs[entry.name]} beside it is the picture "
                            "(intake.raw_pairs = jpeg); its row names this file in raw_original_name")
                continue
            if entry.name in pairs:
                partners["jpeg_original_name"] = pairs[entry.name]
        elif suffix in JPEG_EXTENSIONS and entry.name in raw_of:
            if raw_is_picture(raw_of[entry.name]):
                ignored(f"JPEG of a pair: {raw_of[entry.name]} beside it is the picture (intake.raw_pairs = raw); "
                        "its row names this file in jpeg_original_name")
                continue
            partners["raw_original_name"] = raw_of[entry.name]
        elif suffix not in extensions:
            if suffix == ".xmp":
                ignored("XMP sidecar: its keywords and titles count as evidence for the photo it belongs to")
            elif suffix in KNOWN_UNSUPPORTED_EXTENSIONS:
                problem(f"unsupported image format {suffix} (proofdesk takes {', '.join(sorted(extensions))})")
            else:
                ignored("not a photo (extension not in intake.extensions)")
            continue
        if entry.size_bytes == 0:
            problem("zero-byte file")
            continue
        check = inspect(entry)
        if check.problem is not None or check.sha256 is None:
            problem(check.problem or "could not be read")
            continue
        if check.format not in SUPPORTED_FORMATS:
            problem(f"unsupported image format {check.format} inside a {suffix} file")
            continue
        if check.sha256 in by_hash:
            problem(f"same image as {by_hash[check.sha256]} in this set (duplicate, sha256 {check.sha256[:12]}…)")
            continue
        by_hash[check.sha256] = entry.name
        report.files.append(
            ValidFile(set_name, entry.name, entry.path, check.sha256, check.size_bytes,
                      check.format, check.width, check.height, **partners)
        )
        valid += 1
    return valid
