"""A project folder moved or copied to another path works as it is (rows store their incoming and
model-ready paths relative to the workdir, sets theirs relative to the project folder); a card
mounted at another path continues its set after `proofdesk sets move`, which checks the files by
sha256 and refuses (exit 2, naming them) a folder that holds other pictures."""

from __future__ import annotations

import shutil
from pathlib import Path

from proofdesk.adapters.storage.sql import SqlQueueStore

from .conftest import Proofdesk
from .test_publish import OFFLINE


def project(root: Path, gps_set: Path) -> Proofdesk:
    """A project folder (`desk`, its ./.proofdesk) with its set beside it (`gps`), run and published."""
    desk = Proofdesk(root / "desk")
    desk.cwd.mkdir(parents=True)
    shutil.copytree(gps_set, root / "gps")
    assert desk("run", "../gps", "--no-review", "-q", env=OFFLINE).exit_code == 0
    assert desk("approve", "DSCN0010.jpg", "DSCN0021.jpg", env=OFFLINE).exit_code == 0
    assert desk("publish", "--yes", env=OFFLINE).exit_code == 0
    return desk


def moved(root: Path, to: Path) -> Proofdesk:
    """The whole folder moved (the old path gone, so nothing can still read from it)."""
    shutil.copytree(root, to, symlinks=True)
    shutil.rmtree(root)
    return Proofdesk(to / "desk")


def every_command_works(desk: Proofdesk, set_folder: Path) -> None:
    sets = desk("sets", env=OFFLINE)
    assert sets.exit_code == 0 and f"gps\t{set_folder}\t9 photo(s)" in sets.stdout
    rows = {row["original_name"]: row for row in desk.rows()}
    assert all(Path(row["incoming_path"]).is_file() and str(desk.workdir) in row["incoming_path"] for row in rows.values())
    assert desk("generate", "DSCN0012.jpg", env=OFFLINE).exit_code == 0  # was: "outside the workdir"
    assert desk("edit", "DSCN0012.jpg", "--caption", rows["DSCN0012.jpg"]["caption"], env=OFFLINE).exit_code == 0
    rerun = desk("run", "../gps", "--no-review", env=OFFLINE)  # was: "belongs to another path"
    assert rerun.exit_code == 0, rerun.output
    assert "0 new, 0 refreshed, 9 unchanged" in rerun.stdout
    assert desk("approve", "DSCN0012.jpg", "DSCN0025.jpg", env=OFFLINE).exit_code == 0
    assert desk("publish", "--dry-run", env=OFFLINE).exit_code == 0
    published = desk("publish", "--yes", env=OFFLINE)
    assert published.exit_code == 0, published.output
    assert desk("unpublish", "DSCN0010.jpg", "--yes", env=OFFLINE).exit_code == 0
    assert desk("report", env=OFFLINE).exit_code == 0
    assert len(list((desk.workdir / "report" / "thumbs").glob("*.jpg"))) == 9  # every picture found where it is now
    assert desk("status", env=OFFLINE).exit_code == 0
    verify = desk("publish", "--verify", env=OFFLINE)
    assert verify.exit_code == 0 and "no orphans" in verify.stdout
    statuses = {row["original_name"]: row["status"] for row in desk.rows()}
    assert [statuses[name] for name in ("DSCN0010.jpg", "DSCN0012.jpg", "DSCN0021.jpg", "DSCN0025.jpg")] == [
        "pending", "published", "published", "published"]
    assert sorted(p.name for p in (desk.workdir / "published").glob("*.jpg")) == sorted(
        row["file_name"] for row in desk.rows() if row["status"] == "published")


def test_a_moved_project_folder_works_as_it_is(tmp_path: Path, gps_set: Path) -> None:
    project(tmp_path / "before", gps_set)
    desk = moved(tmp_path / "before", tmp_path / "elsewhere" / "after")
    every_command_works(desk, tmp_path / "elsewhere" / "after" / "gps")


def test_a_project_from_before_relative_paths_moved_needs_only_sets_move(tmp_path: Path, gps_set: Path) -> None:
    """Rows and sets written with full paths (as before): the files are found under the new
    workdir; the set is pointed at its new folder once with `sets move`."""
    old = project(tmp_path / "before", gps_set)
    store = SqlQueueStore(f"sqlite:///{old.workdir / 'queue.sqlite'}")
    with store.unit_of_work() as uow:
        for row in uow.rows.list():
            full = {name: str(old.workdir / value) for name in ("incoming_path", "ollama_path")
                    if (value := getattr(row, name))}
            uow.rows.update(row.changed(**full))
        uow.sets.delete("gps")
        from proofdesk.core.domain.models import PhotoSet

        uow.sets.add(PhotoSet(name="gps", path=str(tmp_path / "before" / "gps")))
        uow.commit()
    store.close()
    desk = moved(tmp_path / "before", tmp_path / "after")
    refused = desk("run", "../gps", "--no-review", env=OFFLINE)
    assert refused.exit_code == 2 and "proofdesk sets move gps" in refused.output
    assert desk("publish", "--dry-run", env=OFFLINE).exit_code == 0
    assert desk("generate", "DSCN0012.jpg", env=OFFLINE).exit_code == 0
    assert desk("sets", "move", "gps", "../gps", env=OFFLINE).exit_code == 0
    every_command_works(desk, tmp_path / "after" / "gps")


def test_a_card_mounted_at_another_path_continues_its_set(proofdesk: Proofdesk, tmp_path: Path, samples: Path) -> None:
    first_mount = tmp_path / "media" / "sdb1" / "DCIM" / "100CANON"
    first_mount.mkdir(parents=True)
    for number, photo in enumerate(["DSCN0010.jpg", "DSCN0021.jpg"], start=1):
        shutil.copy(samples / "jpg" / "gps" / photo, first_mount / f"IMG_000{number}.JPG")
    assert proofdesk("run", str(first_mount), "--no-review", env=OFFLINE).exit_code == 0

    second_mount = tmp_path / "run" / "media" / "photographer" / "EOS_DIGITAL" / "DCIM" / "100CANON"
    second_mount.parent.mkdir(parents=True)
    shutil.move(first_mount, second_mount)  # the same card, mounted elsewhere, with a new shot on it
    shutil.copy(samples / "jpg" / "gps" / "DSCN0042.jpg", second_mount / "IMG_0003.JPG")
    refused = proofdesk("run", str(second_mount), "--no-review", env=OFFLINE)
    assert refused.exit_code == 2 and f"proofdesk sets move 100CANON {second_mount}" in refused.output
    assert proofdesk("run", str(second_mount), "--set-name", "100CANON", "--no-review", env=OFFLINE).exit_code == 2

    other_card = tmp_path / "other" / "DCIM" / "100CANON"  # other pictures under the same names
    other_card.mkdir(parents=True)
    shutil.copy(samples / "jpg" / "gps" / "DSCN0025.jpg", other_card / "IMG_0001.JPG")
    shutil.copy(samples / "jpg" / "gps" / "DSCN0021.jpg", other_card / "IMG_0002.JPG")
    wrong = proofdesk("sets", "move", "100CANON", str(other_card), env=OFFLINE)
    assert wrong.exit_code == 2 and "IMG_0001.JPG" in wrong.stderr and "IMG_0002.JPG" not in wrong.stderr
    assert str(first_mount) in proofdesk("sets", env=OFFLINE).stdout  # nothing changed

    moved_set = proofdesk("sets", "move", "100CANON", str(second_mount), env=OFFLINE)
    assert moved_set.exit_code == 0, moved_set.output
    assert f"100CANON\t{second_mount}\t2 photo(s)" in proofdesk("sets", env=OFFLINE).stdout
    again = proofdesk("run", str(second_mount), "--no-review", env=OFFLINE)
    assert again.exit_code == 0, again.output
    assert "1 new, 0 refreshed, 2 unchanged" in again.stdout
    assert sorted(row["original_name"] for row in proofdesk.rows()) == ["IMG_0001.JPG", "IMG_0002.JPG", "IMG_0003.JPG"]
