"""The views' own states and kinds, and the one table of their words.

The domain's enums have their words in ``domain.models.label``; the views' own (where the CA
runs, ...) have theirs here. Both are the handbook's Chinese, the source texts of the one
translation context ``EnumLabel``: English comes from the Qt translation file like every
other text of the views. ``format.text_of`` looks a member up in either table.

Logic branches on the members, never on the words.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Qt's marker for lupdate returns its source text; PySide6's stubs say ``object``. The
    # views import it from here so that the words tables are ``str`` to the type checker.
    def QT_TRANSLATE_NOOP(context: str, source: str, /) -> str: ...

else:
    from PySide6.QtCore import QT_TRANSLATE_NOOP


class CAPlace(StrEnum):
    """Where the CA runs."""

    LOCAL = "local"  # 本机 CA: the engine in this process, its data in the data folder
    REMOTE = "remote"  # a CA server at a URL (the URL is what the home page shows)


_WORDS: dict[tuple[type, str], str] = {
    (type(member), member.value): text
    for member, text in ((CAPlace.LOCAL, QT_TRANSLATE_NOOP("EnumLabel", "本机 CA")),)
}


def word(member: StrEnum) -> str | None:
    """The Chinese word for a member of one of the views' enums, or None if it has none."""
    return _WORDS.get((type(member), member.value))
