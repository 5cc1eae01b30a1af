"""The web desk (`proofdesk serve`) in a real headless Chromium on a burst shoot (scenes of five
frames; one keeper per scene with an accepted caption): navigate by keys, approve, reject, make a
keeper, undo, rate, edit with the live proof, Generate, publish with the confirmation to a real FTP
server and a MariaDB gallery, and hostile captions shown as text. Every decision made in the page is
checked in `proofdesk rows --json`, the queue the CLI reads; waits are explicit (WebDriverWait)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from proofdesk.adapters.storage.sql import SqlQueueStore

from tests.integration.conftest import Proofdesk
from tests.integration.test_publish import gallery_rows
from tests.support.browser import OFFLINE, Desk
from tests.support.burst_shoot import Shoot
from tests.support.ftp_server import FtpServer

from .conftest import Browser, require_browser

SET = "2026-06-12_burst"
FIELDS = ("caption", "alt_text", "keywords", "file_name")
OWN_CAPTIONS = ("Fishing boats rest in the calm harbour.", "A cyclist crosses the old stone bridge.",
                "Children chase pigeons across the square.")
HOSTILE = {
    "caption": "<img src=x onerror=window.__pwned=1> by the <b>river</b>.",
    "alt_text": "<script>window.__pwned=1</script> a lane",
    "keywords": ["javascript:window.__pwned=1", "\"><svg onload=window.__pwned=1>"],
}


class DeskPage:
    """The desk's page through the hooks issue 27 fixes: `[data-row]` elements (set/original name,
    data-status, data-verdict, data-scene, data-keeper), aria-selected, `img[data-loupe]`, editor
    fields by name, keys as a photographer presses them."""

    def __init__(self, browser: Browser, desk: Desk, queue: Proofdesk) -> None:
        self.browser = browser
        self.driver = browser.driver
        self.desk = desk
        self.queue = queue

    def open(self) -> None:
        expected = len(self.queue.rows())
        self.driver.get(self.desk.url)
        self.browser.wait(lambda d: len(d.find_elements("css selector", "[data-row]")) == expected,
                          f"the desk shows no {expected} [data-row] elements (one per queue row)")

    # ------------------------------------------------------------ reading the page

    def row(self, name: str) -> Any:
        return self.driver.find_element("css selector", f'[data-row="{SET}/{name}"]')

    def attr(self, name: str, attribute: str) -> str | None:
        return self.row(name).get_attribute(attribute)

    def selected(self) -> str | None:
        found = self.driver.find_elements("css selector", '[data-row][aria-selected="true"]')
        assert len(found) <= 1, f"{len(found)} rows have aria-selected=true"
        return found[0].get_attribute("data-row").split("/", 1)[1] if found else None

    def loupe_src(self) -> str | None:
        found = self.driver.find_elements("css selector", "img[data-loupe]")
        return found[0].get_attribute("src") if found else None

    def field(self, name: str) -> Any:
        return self.driver.find_element("css selector", f'[name="{name}"]')

    def active_name(self) -> str | None:
        return self.browser.script("const e = document.activeElement; return e ? e.getAttribute('name') : null;")

    def text(self) -> str:
        return self.browser.script("return document.body.innerText;")

    # ------------------------------------------------------------ acting on it

    def select(self, name: str) -> None:
        """Click the row (a script click: frames collapsed behind their keeper are hidden, not absent)."""
        self.browser.script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", self.row(name))
        self.wait_selected(name)

    def wait_selected(self, name: str) -> None:
        self.browser.wait(lambda d: self.selected() == name, f"{name} is not the selected row (aria-selected)")

    def press(self, *keys: str) -> None:
        """Real key presses (chromedriver's input events) to the focused element."""
        from selenium.webdriver.common.action_chains import ActionChains

        ActionChains(self.driver).send_keys(*keys).perform()

    def chord(self, modifier: str, key: str) -> None:
        from selenium.webdriver.common.action_chains import ActionChains

        ActionChains(self.driver).key_down(modifier).send_keys(key).key_up(modifier).perform()

    def edit_caption(self, text: str) -> Any:
        """E into the editor, then the caption replaced by `text` as typed (Ctrl+A, keys)."""
        self.press("e")
        self.browser.wait(lambda d: self.active_name() == "caption", "E did not put the focus into the caption field")
        self.chord("\ue009", "a")
        self.press(text)
        return self.field("caption")

    def dispatch(self, key: str, **flags: bool) -> None:
        """A script-dispatched keydown (as automation does), bubbling from the focused element."""
        self.browser.script(
            "const init = Object.assign({key: arguments[0], bubbles: true, cancelable: true}, arguments[1]);"
            "(document.activeElement || document.body).dispatchEvent(new KeyboardEvent('keydown', init));",
            key, flags)

    def blur(self) -> None:
        self.browser.script("if (document.activeElement) document.activeElement.blur();")

    def wait_attr(self, name: str, attribute: str, value: str) -> None:
        self.browser.wait(lambda d: self.attr(name, attribute) == value,
                          f"{name}: {attribute} never became {value!r} (is {self.attr(name, attribute)!r})")

    # ------------------------------------------------------------ the queue as the CLI sees it

    def rows(self) -> dict[str, dict[str, Any]]:
        return {row["original_name"]: row for row in self.queue.rows()}

    def wait_row(self, name: str, check: Any, message: str) -> dict[str, Any]:
        found: list[dict[str, Any]] = []

        def ready(_: Any) -> bool:
            found[:] = [self.rows()[name]]
            return bool(check(found[0]))

        from selenium.common.exceptions import TimeoutException

        try:
            self.browser.wait(ready, f"rows --json, {name}: {message}")
        except TimeoutException:
            last = found[0] if found else {}
            shown = {key: last.get(key) for key in ("status", "caption", "metadata_quality", "proof_reasons", "keeper", "rating")}
            raise AssertionError(f"rows --json, {name}: {message}; the row now: {shown}; the page says: "
                                 f"{self.driver.find_element('id', 'message').text!r}") from None
        return found[0]


def keeper_of(rows: dict[str, dict[str, Any]], shoot: Shoot, scene: int) -> str:
    [keeper] = [name for name in shoot.frames(scene) if rows[name]["keeper"]]
    return keeper


def frames_of(rows: dict[str, dict[str, Any]], shoot: Shoot, scene: int) -> list[str]:
    return [name for name in shoot.frames(scene) if not rows[name]["keeper"]]


@pytest.fixture
def page(browser: Browser, burst_queue: Proofdesk, start_desk: Any) -> Iterator[DeskPage]:
    desk = start_desk(burst_queue.cwd)
    yield DeskPage(browser, desk, burst_queue)


def test_every_queue_row_is_in_the_page_with_its_status_verdict_scene_and_keeper_as_rows_json_has_them(
    page: DeskPage, burst_shoot: Shoot
) -> None:
    rows = page.rows()  # some variety first, made with the CLI: approved, rejected, a person's keeper
    for command, name in (("approve", keeper_of(rows, burst_shoot, 0)), ("reject", frames_of(rows, burst_shoot, 0)[0]),
                          ("keeper", frames_of(rows, burst_shoot, 1)[0])):
        result = page.queue(command, name, env=OFFLINE)
        assert result.exit_code == 0, result.output
    page.open()
    assert {row["status"] for row in page.rows().values()} == {"approved", "rejected", "pending"}
    for name, row in page.rows().items():
        assert page.attr(name, "data-status") == row["status"], name
        assert page.attr(name, "data-verdict") == (row["metadata_quality"] or "not proven"), name
        assert page.attr(name, "data-scene") == row["scene_id"], name
        assert page.attr(name, "data-keeper") == ("true" if row["keeper"] else "false"), name
    assert page.browser.script("return window.__pwned;") is None


def test_arrow_keys_move_the_selection_and_the_loupe_follows_it_and_comes_back(page: DeskPage, burst_shoot: Shoot) -> None:
    page.open()
    first = keeper_of(page.rows(), burst_shoot, 0)
    page.select(first)
    page.browser.wait(lambda d: page.loupe_src(), "the loupe (img[data-loupe]) has no src for the selected row")
    first_src = page.loupe_src()

    page.press("\ue014")  # →
    page.browser.wait(lambda d: page.selected() not in (None, first), "→ did not move the selection")
    moved = page.selected()
    page.browser.wait(lambda d: page.loupe_src() not in (None, first_src), f"the loupe kept {first}'s src after →")
    assert "/" + SET not in (page.loupe_src() or "") and burst_shoot.folder.name not in (page.loupe_src() or "")

    page.press("\ue012")  # ←
    page.wait_selected(first)
    page.browser.wait(lambda d: page.loupe_src() == first_src, f"← back to {first} did not bring its loupe image back")
    assert moved != first


def test_approve_reject_keeper_undo_and_rating_by_keys_are_what_rows_json_shows(page: DeskPage, burst_shoot: Shoot) -> None:
    page.open()
    rows = page.rows()
    keeper = keeper_of(rows, burst_shoot, 0)
    assert rows[keeper]["metadata_quality"] == "accepted"

    # P approves (lower case), and with auto-advance the selection moves on
    page.select(keeper)
    page.press("p")
    page.wait_attr(keeper, "data-status", "approved")
    page.browser.wait(lambda d: page.selected() not in (None, keeper), "P did not advance to the next row")
    assert page.wait_row(keeper, lambda r: r["status"] == "approved", "not approved")["status"] == "approved"

    # X rejects (upper case); U puts it back to pending from a script-dispatched event
    rejected, undone, *_ = frames_of(rows, burst_shoot, 0)
    page.select(rejected)
    page.press("X")
    page.wait_attr(rejected, "data-status", "rejected")
    page.wait_row(rejected, lambda r: r["status"] == "rejected", "not rejected")
    page.select(rejected)
    page.dispatch("u")
    page.wait_attr(rejected, "data-status", "pending")
    page.wait_row(rejected, lambda r: r["status"] == "pending", "U did not put it back to pending")
    page.select(rejected)
    page.press("x")
    page.wait_row(rejected, lambda r: r["status"] == "rejected", "not rejected again")

    # Ctrl+Z undoes the last decision only
    page.select(undone)
    page.press("x")
    page.wait_row(undone, lambda r: r["status"] == "rejected", "not rejected")
    page.chord("\ue009", "z")  # Ctrl+Z
    page.wait_attr(undone, "data-status", "pending")
    page.wait_row(undone, lambda r: r["status"] == "pending", "Ctrl+Z did not undo the reject")
    assert page.rows()[rejected]["status"] == "rejected"  # the decision before stays

    # 1-5 rate the selected frame
    page.select(undone)
    page.press("4")
    page.wait_row(undone, lambda r: r.get("rating") == 4, "key 4 did not rate it 4")

    # K makes a frame its scene's keeper, chosen by a person; the old keeper is a frame again
    old = keeper_of(rows, burst_shoot, 1)
    chosen = frames_of(rows, burst_shoot, 1)[0]
    page.select(chosen)
    page.press("K")
    page.wait_attr(chosen, "data-keeper", "true")
    page.wait_attr(old, "data-keeper", "false")
    after = page.wait_row(chosen, lambda r: r["keeper"] and r["keeper_chosen_by"] == "person", "K did not make it the keeper")
    assert after["scene_id"] == rows[chosen]["scene_id"] and not page.rows()[old]["keeper"]
    assert page.browser.script("return window.__pwned;") is None


def test_shift_p_approves_the_scenes_keeper_and_culls_its_frames_and_n_jumps_to_the_next_unreviewed(
    page: DeskPage, burst_shoot: Shoot
) -> None:
    page.open()
    rows = page.rows()
    keeper = keeper_of(rows, burst_shoot, 2)
    frames = frames_of(rows, burst_shoot, 2)
    page.select(keeper)
    page.chord("\ue008", "p")  # Shift+P
    page.wait_row(keeper, lambda r: r["status"] == "approved", "Shift+P did not approve the keeper")
    for frame in frames:
        page.wait_row(frame, lambda r: r["status"] == "rejected", "Shift+P did not cull the scene's frame")
        page.wait_attr(frame, "data-status", "rejected")  # the page shows it once the answer is in

    page.select(keeper)
    page.press("n")
    page.browser.wait(lambda d: page.selected() not in (None, keeper, *frames), "N did not jump to an unreviewed row")
    assert page.rows()[page.selected() or ""]["status"] == "pending"


def test_editing_shows_the_live_proofs_finding_as_you_type_clears_it_when_fixed_and_ctrl_s_saves(
    page: DeskPage, burst_shoot: Shoot
) -> None:
    page.open()
    rows = page.rows()
    other, mine = keeper_of(rows, burst_shoot, 0), keeper_of(rows, burst_shoot, 1)
    page.select(mine)
    caption = page.field("caption")
    page.browser.wait(lambda d: caption.get_attribute("value") == rows[mine]["caption"], "the editor does not show the caption")
    assert "already used by" not in page.text()

    # another row's caption: the proof finds the duplicate while the text is typed, no save needed
    page.edit_caption(rows[other]["caption"])
    findings = page.driver.find_element("id", "findings")
    page.browser.wait(lambda d: "already used by" in findings.text and f"{SET}/{other}" in findings.text,
                      f"the live proof never showed the duplicate of {other}'s caption")
    assert page.rows()[mine]["caption"] == rows[mine]["caption"]  # typing saves nothing

    fixed = f"Morning light on the burst frame {mine}, the quiet lane."
    page.chord("\ue009", "a")
    caption.send_keys(fixed)
    page.browser.wait(lambda d: "(draft, not saved)" in page.driver.find_element("id", "verdict").text
                      and "already used by" not in findings.text, "the duplicate finding stayed after the fix")
    page.chord("\ue009", "s")  # Ctrl+S
    saved = page.wait_row(mine, lambda r: r["caption"] == fixed, "Ctrl+S did not save the caption")
    assert "caption" in saved["edited_fields"] and saved["metadata_quality"] == "accepted"

    page.press("\ue00c")  # Esc
    page.browser.wait(lambda d: page.active_name() not in FIELDS, "Esc did not leave the field")

    # G asks the captioner again; the person's caption stays, the suggestion is kept beside it
    before = len(saved["suggestion_history"])
    page.press("g")
    generated = page.wait_row(mine, lambda r: len(r["suggestion_history"]) > before or r["pending_suggestion"],
                              "G (Generate) left no suggestion")
    assert generated["caption"] == fixed


def test_publish_asks_once_then_sends_the_approved_keepers_to_ftp_and_the_gallery(
    browser: Browser, burst_queue: Proofdesk, burst_shoot: Shoot, start_desk: Any, tmp_path: Path, mysql_database_url: str
) -> None:
    with FtpServer(tmp_path / "ftp-root") as ftp:
        desk = start_desk(burst_queue.cwd, {**ftp.env(), "PROOFDESK_GALLERY__URL": mysql_database_url})
        page = DeskPage(browser, desk, burst_queue)
        page.open()
        rows = page.rows()
        keepers = sorted(keeper_of(rows, burst_shoot, scene) for scene in range(burst_shoot.scenes))
        # the offline captions of a burst's keepers are near duplicates of each other (96 %), which
        # publishing's proof refuses: each keeper gets its own caption first, as a person writes it
        for keeper, caption in zip(keepers, OWN_CAPTIONS, strict=True):
            page.select(keeper)
            page.edit_caption(caption)
            page.chord("\ue009", "s")  # Ctrl+S
            page.wait_row(keeper, lambda r, c=caption: r["caption"] == c and r["metadata_quality"] == "accepted", "not saved")
            page.press("\ue00c")  # Esc out of the field
            page.browser.wait(lambda d: page.active_name() not in FIELDS, "Esc did not leave the field")
            page.press("p")
            page.wait_attr(keeper, "data-status", "approved")

        page.driver.find_element("id", "open-publish").click()
        confirm = page.browser.wait(
            lambda d: (lambda b: b if b.is_displayed() and b.is_enabled() else None)(d.find_element("id", "publish-confirm")),
            "publishing asked for no confirmation (#publish-confirm in the publish dialog)")
        assert f"Publish {len(keepers)} approved photo(s)" in page.driver.find_element("id", "publish-dialog").text
        assert ftp.files() == [] and all(row["status"] != "published" for row in page.rows().values())  # nothing before it
        confirm.click()
        page.browser.wait(lambda d: d.find_element("id", "publish-result").text, "publishing showed no result", timeout=60)
        for keeper in keepers:
            page.wait_attr(keeper, "data-status", "published")
        assert page.driver.find_element("id", "publish-progress").text == "published"
        after = page.rows()
        assert sorted(name for name, row in after.items() if row["status"] == "published") == keepers
        published = {after[name]["file_name"] for name in keepers}
        assert ftp.files() == sorted([f"gallery/{n}" for n in published] + [f"gallery/thumbs/{n}" for n in published])
        assert {g["File_Name"]: str(g["id"]) for g in gallery_rows(mysql_database_url)} == {
            after[name]["file_name"]: after[name]["remote_id"] for name in keepers}


def test_hostile_text_in_every_field_is_shown_as_text_and_runs_nothing(
    browser: Browser, burst_queue: Proofdesk, burst_shoot: Shoot, start_desk: Any
) -> None:
    target = keeper_of({row["original_name"]: row for row in burst_queue.rows()}, burst_shoot, 0)
    store = SqlQueueStore(f"sqlite:///{burst_queue.workdir / 'queue.sqlite'}")
    with store.unit_of_work() as uow:  # as a model's answer would land (the proof is not asked)
        row = next(r for r in uow.rows.list() if r.original_name == target)
        uow.rows.update(row.changed(**HOSTILE, file_name="javascript:window.__pwned=1"))
        uow.commit()
    store.close()

    page = DeskPage(browser, start_desk(burst_queue.cwd), burst_queue)
    page.open()
    page.select(target)
    page.browser.wait(lambda d: page.field("caption").get_attribute("value") == HOSTILE["caption"],
                      "the editor does not show the hostile caption as its text")
    assert page.field("alt_text").get_attribute("value") == HOSTILE["alt_text"]
    assert HOSTILE["caption"] in page.row(target).text  # the grid shows the caption as its text
    page.press("\ue014", "\ue012")  # render it again on the way back
    page.wait_selected(target)
    assert page.browser.script("return window.__pwned;") is None
    assert page.driver.find_elements("css selector", 'img[src="x"], svg[onload], a[href^="javascript:"]') == []
    assert not [s for s in page.driver.find_elements("css selector", "script") if "__pwned" in (s.get_attribute("innerHTML") or "")]


def test_enter_opens_the_loupe_z_zooms_to_the_original_c_compares_with_the_keeper_and_question_mark_shows_the_keys(
    page: DeskPage, burst_shoot: Shoot
) -> None:
    page.open()
    rows = page.rows()
    keeper, frame = keeper_of(rows, burst_shoot, 1), frames_of(rows, burst_shoot, 1)[0]
    loupe = page.driver.find_element("css selector", "img[data-loupe]")
    page.select(frame)
    page.press("\ue007")  # Enter
    page.browser.wait(lambda d: d.find_element("tag name", "body").get_attribute("data-view") == "loupe" and loupe.is_displayed(),
                      "Enter did not open the loupe")
    preview = loupe.get_attribute("src")
    page.browser.wait(lambda d: page.browser.script("return arguments[0].complete && arguments[0].naturalWidth;", loupe),
                      "the loupe's preview never loaded")

    page.press("z")  # 100 %: the original's own pixels
    page.browser.wait(lambda d: loupe.get_attribute("src") != preview and page.browser.script(
        "return arguments[0].complete && arguments[0].naturalWidth;", loupe), "Z did not load the original")
    with Image.open(burst_shoot.folder / frame) as original:
        assert page.browser.script("return [arguments[0].naturalWidth, arguments[0].naturalHeight];", loupe) == list(original.size)
    page.press("z")
    page.browser.wait(lambda d: loupe.get_attribute("src") == preview, "Z again did not go back to the fitted preview")

    page.press("c")  # compare: the frame beside its scene's keeper
    compare = page.driver.find_element("css selector", "img[data-compare]")
    page.browser.wait(lambda d: compare.is_displayed() and page.browser.script(
        "return arguments[0].complete && arguments[0].naturalWidth;", compare), "C showed no keeper beside the frame")
    page.select(keeper)
    keeper_preview = loupe.get_attribute("src")
    assert compare.get_attribute("src") == keeper_preview  # the keeper's own preview is the one compared with
    page.press("c")
    page.browser.wait(lambda d: not compare.is_displayed(), "C again did not close the compare view")

    page.press("\ue007")  # Enter: back to the grid
    page.browser.wait(lambda d: d.find_element("tag name", "body").get_attribute("data-view") == "grid" and not loupe.is_displayed(),
                      "Enter did not go back to the grid")
    page.press("?")
    page.browser.wait(lambda d: d.find_element("id", "help-dialog").is_displayed(), "? did not show the keys")
    assert "Shift+P" in page.driver.find_element("id", "help-dialog").text


def test_a_save_over_a_change_made_elsewhere_is_refused_shows_the_newer_text_beside_mine_and_loses_neither(
    page: DeskPage, burst_shoot: Shoot
) -> None:
    page.open()
    target = keeper_of(page.rows(), burst_shoot, 2)
    page.select(target)
    page.browser.wait(lambda d: page.field("caption").get_attribute("value"), "the editor shows no caption")
    theirs = "A ferry leaves the quay in light rain."
    changed = page.queue("edit", target, "--caption", theirs, env=OFFLINE)  # the CLI, while the page is open
    assert changed.exit_code == 0, changed.output

    mine = "Gulls circle above the fish market."
    page.edit_caption(mine)
    page.chord("\ue009", "s")  # Ctrl+S
    conflict = page.driver.find_element("id", "conflict")
    page.browser.wait(lambda d: conflict.is_displayed(), "a stale save showed no conflict")
    assert theirs in page.driver.find_element("id", "conflict-theirs").text
    assert mine in page.driver.find_element("id", "conflict-mine").text
    assert page.field("caption").get_attribute("value") == mine  # my text is still in the field
    assert page.rows()[target]["caption"] == theirs  # the newer text was not overwritten


def test_keys_reach_the_desk_however_a_script_sends_them_and_upper_case_p_on_a_frame_is_no_scene_action(
    page: DeskPage, burst_shoot: Shoot
) -> None:
    page.open()
    assert "token=" not in page.driver.current_url  # the address bar drops the token (the cookie holds it)
    rows = page.rows()
    first, second, third, *_ = frames_of(rows, burst_shoot, 1)
    auto = page.driver.find_element("id", "auto-advance")
    page.browser.script("arguments[0].checked = false;", auto)  # decisions stay on the row for this test

    keeper = keeper_of(rows, burst_shoot, 1)
    page.select(first)  # "P" (Selenium types it with Shift) on a frame asks to approve that frame only
    page.press("P")
    page.browser.wait(lambda d: "cannot approve" in d.find_element("id", "message").text and first in
                      d.find_element("id", "message").text, "P on a frame was not an approve of that frame")
    assert {page.rows()[name]["status"] for name in (keeper, first, second, third)} == {"pending"}  # no scene action

    page.select(second)  # dispatched on the window
    page.browser.script("window.dispatchEvent(new KeyboardEvent('keydown', {key: 'x'}));")
    page.wait_row(second, lambda r: r["status"] == "rejected", "x dispatched on the window did nothing")
    page.select(third)  # dispatched on the body without bubbling, with only a code
    page.browser.script("document.body.dispatchEvent(new KeyboardEvent('keydown', {code: 'KeyX'}));")
    page.wait_row(third, lambda r: r["status"] == "rejected", "a non-bubbling keydown with only a code did nothing")

    page.press("?")  # with a dialog open, keys are the dialog's: nothing is decided behind it
    page.browser.wait(lambda d: d.find_element("id", "help-dialog").get_attribute("open") is not None, "? opened no help")
    page.browser.script("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'u', bubbles: true}));")
    page.press("\ue00c")  # Esc closes it
    page.browser.wait(lambda d: d.find_element("id", "help-dialog").get_attribute("open") is None, "Esc left the help open")
    assert page.rows()[third]["status"] == "rejected"


def test_in_the_browser_no_token_is_401_and_a_rebound_host_name_is_refused(burst_queue: Proofdesk, start_desk: Any) -> None:
    """A real browser without the token, and one whose DNS sends another name to the desk (the
    DNS-rebinding attack: `rebind.test` resolved to 127.0.0.1), get no page and no rows."""
    from tests.support.browser import headless_chromium

    require_browser()
    desk = start_desk(burst_queue.cwd)
    port = desk.base.rsplit(":", 1)[1]
    driver = headless_chromium(extra=("--host-resolver-rules=MAP rebind.test 127.0.0.1",))
    try:
        for url in (desk.base + "/", desk.base + "/api/rows", desk.base + "/img/1/preview"):
            driver.get(url)  # no token, no cookie
            assert "needs its access token" in driver.page_source, url
            assert not driver.find_elements("css selector", "[data-row]")
        driver.get(f"http://rebind.test:{port}/?token={desk.token}")  # the right token, the wrong name
        assert "unknown Host" in driver.page_source and not driver.find_elements("css selector", "[data-row]")
        driver.get(desk.url)  # the printed URL itself works, and the address keeps no token
        Browser(driver).wait(lambda d: d.find_elements("css selector", "[data-row]"), "the desk did not open")
        assert "token=" not in driver.current_url
    finally:
        driver.quit()
