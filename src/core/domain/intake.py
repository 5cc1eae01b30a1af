"""Stage 1 — validate sets before any write.

The file system and the image decoder are ports (`SetScanner`, `ImageInspector`); the rules that
turn what they see into problems are here: unreadable or missing folder, empty set, unsupported
or undecodable files, zero-byte files, decompression bombs, symlinks leaving the set, unsafe
names, duplicate images inside a set. Every problem is collected; nothing stops at the first one.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from proofdesk.core.domain.errors import InputError
from proofdesk.core.domain.models import PhotoSet
from proofdesk.core.domain.raw import RawPairs
from pydantic import BaseModel, ConfigDict, Field

# Formats proofdesk takes in (Pillow names), and image extensions it knows but does not take.
SUPPORTED_FORMATS = {"JPEG", "MPO", "PNG", "TIFF", "HEIF", "HEIC", "RAW"}  # RAW: a camera RAW LibRaw reads
KNOWN_UNSUPPORTED_EXTENSIONS = {".gif", ".bmp", ".webp", ".jp2", ".psd", ".svg", ".avif", ".ico"}

# Camera RAW formats by extension: every still-picture RAW format exiftool (12.57) knows, i.e. its
# file types described as RAW, plus those that are raw sensor data under another name (DNG, FFF,
# MOS, ORI, CIFF). ARRIRAW (.ari) and Casio (.bay) RAW, which that exiftool does not know, are here
# too, so that no RAW file is ever taken for "not a photo". RAW *video* (.crm Canon RAW Movie, .r3d
# Redcode) is not a photo and is left out, like other movies.
# proofdesk reads RAW with LibRaw (pictures) and exiv2 (metadata), ADR 0019: a RAW file is taken
# whatever `intake.extensions` says, when the installed LibRaw reads its format (`LIBRAW_NEEDS`
# names the formats that need an optional LibRaw part; `proofdesk doctor` lists what is there).
# A RAW of a format LibRaw cannot read is reported as an unsupported RAW, and one that really holds
# a JPEG (some cameras and tools name their JPEGs .nef) as a JPEG named as RAW.
RAW_FORMATS: dict[str, str] = {
    ".3fr": "Hasselblad 3FR",
    ".ari": "ARRIRAW",
    ".arq": "Sony pixel-shift ARQ",
    ".arw": "Sony ARW",
    ".bay": "Casio BAY",
    ".cr2": "Canon CR2",
    ".cr3": "Canon CR3",
    ".crw": "Canon CRW",
    ".ciff": "Canon CIFF (CRW)",
    ".cs1": "Sinar CaptureShop 1-shot",
    ".czi": "Zeiss CZI",
    ".dcr": "Kodak DCR",
    ".dng": "Adobe DNG",
    ".erf": "Epson ERF",
    ".fff": "Hasselblad FFF",
    ".gpr": "GoPro GPR",
    ".iiq": "Phase One IIQ",
    ".k25": "Kodak K25",
    ".kdc": "Kodak KDC",
    ".lri": "Light LRI",
    ".mef": "Mamiya MEF",
    ".mos": "Leaf MOS",
    ".mrw": "Minolta MRW",
    ".nef": "Nikon NEF",
    ".nrw": "Nikon NRW",
    ".orf": "Olympus ORF",
    ".ori": "Olympus ORI",
    ".pef": "Pentax PEF",
    ".raf": "Fujifilm RAF",
    ".raw": "Panasonic or Contax RAW",
    ".rw2": "Panasonic RW2",
    ".rwl": "Leica RWL",
    ".rwz": "Rawzor-compressed RAW",
    ".sr2": "Sony SR2",
    ".srf": "Sony SRF",
    ".srw": "Samsung SRW",
    ".x3f": "Sigma X3F",
}
RAW_EXTENSIONS = frozenset(RAW_FORMATS)
# RAW formats LibRaw reads only with an optional part (its build flag, as rawpy reports it), and
# those no LibRaw reads ("": ARRIRAW is a cinema format, CZI a microscope's, LRI Light's
# multi-camera file, RWZ a Rawzor archive, GPR needs GoPro's SDK, which LibRaw builds leave out).
LIBRAW_NEEDS: dict[str, str] = {
    ".x3f": "X3FTOOLS",
    ".ari": "",
    ".czi": "",
    ".gpr": "",
    ".lri": "",
    ".rwz": "",
}
JPEG_EXTENSIONS = frozenset({".jpg", ".jpeg"})
JPEG_MAGIC = b"\xff\xd8\xff"  # how every JPEG file begins (SOI marker, then the first segment's marker)
MAX_NAME_BYTES = 255


class IntakeRules(BaseModel):
    """What stage 1 accepts (config section `[intake]`)."""

    model_config = ConfigDict(extra="forbid")

    extensions: list[str] = Field(
        default=[".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic", ".heif"],
        description="File extensions (case-insensitive) taken as photos.",
    )
    max_image_pixels: int = Field(
        default=178_956_970,
        gt=0,
        description="Decompression-bomb limit in pixels (Pillow's default); a larger image is refused.",
    )
    ignore_names: list[str] = Field(
        default=[".DS_Store", "Thumbs.db", "desktop.ini"],
        description="File names skipped silently (system clutter). Hidden files (.*) are always skipped.",
    )
    placeholder_text: list[str] = Field(
        default_factory=list,
        description="Text in a photo's own metadata that is no real description, title or keyword, beyond the "
        "built-in list (camera defaults such as \"OLYMPUS DIGITAL CAMERA\", \"DCIM\", \"null\", \"caption\", the "
        "camera's make or model alone); compared case-insensitively, whole value. Such text is never evidence.",
    )
    raw_pairs: RawPairs = Field(
        default="jpeg",
        description="A RAW file and a JPEG of the same name (case-insensitive) are one picture: `jpeg` takes "
        "the JPEG as the picture (its row names the RAW in raw_original_name), `raw` the RAW (its row names "
        "the JPEG in jpeg_original_name).",
    )
    same_picture_max_distance: int = Field(
        default=10,
        ge=0,
        le=32,
        description="A changed file whose 64-bit perceptual hash differs from the old one by at most this "
        "many bits is the same picture re-exported (human edits kept, approval dropped); more is a "
        "different picture (the old text goes to the row's history and it is captioned anew).",
    )


# ---------------------------------------------------------------- ports


@dataclass(frozen=True)
class SetEntry:
    """One directory entry of a set folder, as the scanner saw it.

    kind: `file`, `dir`, `symlink_outside` (points outside the set), `symlink_broken`,
    `symlink_loop`, `special` (fifo, device, socket), `unreadable`.
    """

    name: str
    path: str
    kind: str
    size_bytes: int = 0
    name_is_utf8: bool = True
    head: bytes = b""  # the first bytes of a regular file (what it holds, whatever its name says)


@dataclass(frozen=True)
class SetListing:
    name: str
    path: str
    problem: str | None
    entries: tuple[SetEntry, ...] = ()


@dataclass(frozen=True)
class ImageCheck:
    sha256: str | None
    size_bytes: int
    format: str | None = None
    width: int | None = None
    height: int | None = None
    problem: str | None = None


# ---------------------------------------------------------------- report


@dataclass(frozen=True)
class ValidFile:
    set_name: str
    name: str
    path: str
    sha256: str
    size_bytes: int
    format: str
    width: int | None
    height: int | None
    # the other file of a RAW + JPEG pair (same stem), which is not the picture: its name is kept
    # on the row (raw_original_name or jpeg_original_name); it is neither copied nor changed
    raw_original_name: str | None = None
    jpeg_original_name: str | None = None

    @property
    def key_text(self) -> str:
        return f"{self.set_name}/{self.name}"


@dataclass(frozen=True)
class Problem:
    set_name: str
    name: str | None  # None: the problem is the set folder itself
    path: str
    message: str

    def render(self) -> str:
        where = self.path if self.name is None else f"{self.set_name}/{self.name}"
        return f"{where}: {self.message}"


@dataclass
class ValidationReport:
    sets: list[PhotoSet] = field(default_factory=list)
    files: list[ValidFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def render(self, skipped: bool = False) -> str:
        lines = []
        if self.problems:
            verb = "skipped" if skipped else "invalid"
            lines.append(f"{len(self.problems)} {verb} file(s) or set(s):")
            lines.extend(f"  {problem.render()}" for problem in self.problems)
        if self.ignored:
            lines.append(f"{len(self.ignored)} file(s) ignored:")
            lines.extend(f"  {problem.render()}" for problem in self.ignored)
        lines.append(f"{len(self.files)} valid photo(s) in {len(self.sets)} set(s)")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {
            "valid": [f.key_text for f in self.files],
            "problems": [p.__dict__ for p in self.problems],
            "ignored": [p.__dict__ for p in self.ignored],
        }


class ValidationFailed(InputError):
    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__(
            "validation failed; nothing was written. Fix or remove these files, or rerun with "
            "--skip-invalid to leave them out:\n" + report.render()
        )


# ---------------------------------------------------------------- rules


def printable_path(path: str) -> str:
    """A path safe to print and put in JSON: undecodable bytes shown as \\xNN escapes."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def raw_format_readable(suffix: str, libraw_flags: frozenset[str]) -> bool:
    """Whether the installed LibRaw (its build flags, as rawpy reports them) reads this RAW format."""
    if suffix not in RAW_FORMATS:
        return False
    needs = LIBRAW_NEEDS.get(suffix)
    return needs is None or (needs != "" and needs in libraw_flags)


def raw_problem(suffix: str, head: bytes) -> str:
    """What to tell about a RAW file of a format LibRaw cannot read (`head`: its first bytes)."""
    if head.startswith(JPEG_MAGIC):
        return (f"a JPEG named as RAW ({suffix}): the file holds a JPEG picture, not RAW data; "
                "rename it to .jpg to take it in")
    return (f"unsupported image format {suffix} (unsupported RAW: {RAW_FORMATS[suffix]}): the installed LibRaw does "
            "not read this RAW format; keep the camera's JPEG beside it (same name), or export a JPEG or TIFF")


def raw_pairs(names: list[str]) -> dict[str, str]:
    """RAW + JPEG pairs of a set, matched by stem case-insensitively: {RAW name: JPEG name} (the
    first JPEG by name when a stem has several)."""
    jpegs: dict[str, str] = {}
    for name in sorted(names):
        stem, _, suffix = name.rpartition(".")
        if stem and f".{suffix.lower()}" in JPEG_EXTENSIONS:
            jpegs.setdefault(stem.casefold(), name)
    pairs: dict[str, str] = {}
    for name in sorted(names):
        stem, _, suffix = name.rpartition(".")
        if stem and f".{suffix.lower()}" in RAW_EXTENSIONS and stem.casefold() in jpegs:
            pairs[name] = jpegs[stem.casefold()]
    return pairs


def unsafe_name_reason(name: str, name_is_utf8: bool = True) -> str | None:
    """Why a file or set name is unsafe to carry through the pipeline, or None."""
    if not name_is_utf8:
        return "unsafe name: not valid UTF-8; rename the file"
    if name in ("", ".", "..") or "/" in name or "\\" in name or ".." in name:
        return "unsafe name: contains '..' or a path separator; rename the file"
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in name):
        return "unsafe name: contains control or invisible characters; rename the file"
    if len(name.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        return f"unsafe name: longer than {MAX_NAME_BYTES} bytes; rename the file"
    if name != name.strip():
        return "unsafe name: leading or trailing spaces; rename the file"
    return None


