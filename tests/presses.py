"""Pressing a button while the page reruns, in a real browser, and knowing that it did.

A rerun (the automatic refresh, the choice just made, or Streamlit's own `r` key, which is
what both amount to on the server) is asked for or running when the press goes out: `Runs`
reads the page's websocket to tell, so a test that meant to press during a rerun fails if it
did not. A click can take longer to go out than a quick rerun takes (on a loaded machine, or
when the run is short): the test's `hold` (`locked`) keeps the run waiting on a lock until
the press went out.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import psycopg2
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from psycopg2 import sql
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.frames import watch_frames


class Runs:
    """The page's script runs and presses, in the order its websocket saw them (make it
    before the page opens its websocket)."""

    def __init__(self, page, hold=None) -> None:
        self.events: list[str] = []  # "rerun" (asked for), "start", "end", "press"
        self.hold = hold  # the default `hold` of press_while_rerunning
        watch_frames(page, self._sent, self._received)

    def _received(self, message: ForwardMsg, _size: int) -> None:
        kind = message.WhichOneof("type")
        if kind == "session_status_changed":
            self.events.append(
                "start" if message.session_status_changed.script_is_running else "end"
            )
        elif kind == "script_finished":
            self.events.append("end")

    def _sent(self, message: BackMsg) -> None:
        if message.WhichOneof("type") != "rerun_script":
            return
        states = message.rerun_script.widget_states.widgets
        pressed = any(s.WhichOneof("value") == "trigger_value" and s.trigger_value for s in states)
        self.events.append("press" if pressed else "rerun")

    @property
    def running(self) -> bool:
        """Whether a run was asked for or started and has not ended, as the page knows."""
        last = [e for e in self.events if e != "press"]
        return bool(last) and last[-1] != "end"

    def pressed_while_running(self, since: int) -> bool:
        """Whether a press went out while a rerun was asked for or running, among the events
        from index `since`."""
        running = False
        for event in self.events[since:]:
            if event == "press" and running:
                return True
            if event != "press":
                running = event != "end"
        return False


@contextmanager
def locked(url: str, table: str = "user_sessions") -> Iterator[None]:
    """`table` locked by its owner while the block runs: a page run that reads it waits (every
    page run checks its session in user_sessions first), so a press goes out during it."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(sql.Identifier(table))
            )
        yield
    finally:
        conn.rollback()
        conn.close()


def until(browser_page, condition, seconds: float) -> bool:
    """Whether `condition` came true within `seconds` (looked at every 10 ms)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() >= deadline:
            return False
        browser_page.wait_for_timeout(10)
    return True


def rerun_asked(browser_page, runs: Runs, since: int, by_key: bool = False) -> None:
    """Wait until the page has asked for a rerun after event `since` (a hold keeps it running
    after): on a busy machine the `r` key's rerun could go out after a press made at once, or
    not at all (seen once in a busy run: the press alone), and the press would test nothing.
    `by_key`: the `r` key is pressed once more if nothing went out within 5 s."""

    def asked() -> bool:
        return runs.running and len(runs.events) > since

    if by_key and not until(browser_page, asked, 5):
        _press_r(browser_page)
    assert until(browser_page, asked, 25), f"no rerun asked for: {runs.events[since:]}"


def _wait_idle(browser_page, runs: Runs, quiet_ms: int = 500) -> None:
    """Wait until no run is asked for or running, and nothing happened for `quiet_ms`."""
    deadline = time.monotonic() + 60
    while True:
        seen = len(runs.events)
        browser_page.wait_for_timeout(quiet_ms)
        if not runs.running and len(runs.events) == seen:
            return
        assert time.monotonic() < deadline, "the page did not settle"


def _press_r(browser_page) -> None:
    browser_page.evaluate("() => document.activeElement && document.activeElement.blur()")
    browser_page.keyboard.press("r")  # Streamlit's key for "rerun" (not while typing)


def press_while_rerunning(browser_page, runs: Runs, button, rerun=None, hold=None) -> None:
    """Once the page is idle, rerun it (`rerun()`, e.g. a choice; else Streamlit's `r` key)
    and at once press `button` (a locator, located before the rerun: what the page showed),
    the pointer already on it; fail unless the press went out during that rerun.

    Without `rerun`, a first rerun settles the page: the last action's message (shown once)
    goes, and the page's layout stays put under the pointer during the rerun pressed in.
    `hold`: a context manager that keeps the page's run waiting (a lock on a table it reads)
    from the rerun until the press went out, so a quick run cannot end before it."""
    _wait_idle(browser_page, runs)
    if rerun is None:
        _press_r(browser_page)
        _wait_idle(browser_page, runs)
    button.wait_for(timeout=30_000)
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    browser_page.mouse.move(x, y)
    since = len(runs.events)
    hold = hold or runs.hold
    with hold() if hold else nullcontext():
        if rerun is None:
            _press_r(browser_page)
        else:
            rerun()
        rerun_asked(browser_page, runs, since, by_key=rerun is None)
        browser_page.mouse.click(x, y)
        pressed = until(browser_page, lambda: "press" in runs.events[since:], 30)
        assert pressed, "the press did not go out"
    assert runs.pressed_while_running(since), f"the press missed the rerun: {runs.events[since:]}"


def choose(browser_page, label: str, option: str | re.Pattern, within=None) -> None:
    """Pick an option of a Streamlit selectbox by its label (again if a rerun closed the list);
    `within`: a locator holding the box, when another box has the same label."""
    if isinstance(option, str):
        choice = browser_page.get_by_role("option", name=option, exact=True)
    else:
        choice = browser_page.get_by_role("option", name=option)
    for attempt in range(3):
        (within or browser_page).get_by_role("combobox", name=label).click()
        try:
            choice.click(timeout=15_000)
            return
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            browser_page.keyboard.press("Escape")
