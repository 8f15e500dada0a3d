"""Buttons that act: the action runs in the press's callback, once, before the page reruns.

Streamlit hands a press to the button's callback exactly once, also when it arrives while
the page is rerunning (the choice just made, a refresh) or after the page redrew the button
for something else; an `if st.button(...)` in the page's body, by contrast, only sees the
press if the next run draws the same button again, and a run interrupted before that
point loses it (issue 12). So every action button of the pages passes `on_click` and acts on
what it was drawn for (its arguments) or on what the page's pickers say now (session state),
never on what the next run happens to draw. The callback checks the session itself (the
router has not run yet) and keeps its outcome for the next run to show (`show_outcome`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import streamlit as st

from dashboard.auth import current_user
from dashboard.i18n import t
from geo.auth import User
from geo.errors import BilingualError, MinqingError
from geo.settings import hide_password

_OUTCOME = "action_outcome_"


class Refused(Exception):
    """An action refused with a message for the user (raised inside `acting`)."""


def acting_user(permission: str) -> User | None:
    """The user pressing a button of a page (in its callback): the session checked now; None
    when nobody is signed in or the role may not act there (the page's run then says why)."""
    user = current_user()
    return user if user is not None and user.may(permission) else None


class Outcome:
    """What a successful action says (set by the action's code)."""

    def __init__(self, done: str = "") -> None:
        self.done = done


@contextmanager
def acting(page: str, refusal: str, lang: str, done: str = "") -> Iterator[Outcome]:
    """Run one action of `page`: on success keep its outcome's `done` to show, on a refusal
    or a database failure the reason (`refusal` says it: a text with `{reason}`), never a
    traceback."""
    outcome = Outcome(done)
    try:
        yield outcome
    except BilingualError as exc:
        _keep(page, "error", refusal.format(reason=exc.text(lang)))
    except (MinqingError, Refused) as exc:
        _keep(page, "error", refusal.format(reason=exc))
    except psycopg2.Error as exc:
        first = (exc.pgerror or str(exc)).strip().splitlines()
        reason = hide_password(first[0]) if first else type(exc).__name__
        _keep(page, "error", f"{t('db_error')}: {reason}")
    else:
        _keep(page, "success", outcome.done)


def _keep(page: str, kind: str, text: str) -> None:
    st.session_state[_OUTCOME + page] = (kind, text)


def show_outcome(page: str) -> None:
    """The outcome of the last action pressed on `page`, once."""
    outcome = st.session_state.pop(_OUTCOME + page, None)
    if outcome is None:
        return
    kind, text = outcome
    (st.success if kind == "success" else st.error)(text)


def succeeded(page: str) -> bool:
    """Whether the last action pressed on `page` went through (its outcome not shown yet)."""
    outcome = st.session_state.get(_OUTCOME + page)
    return outcome is not None and outcome[0] == "success"
