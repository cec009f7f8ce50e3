"""The application's states move only as ``ca/ra/transitions.py`` allows, in one place."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from mobileca_desktop.ca.ra import transitions
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import AppState

CA = Path(__file__).resolve().parent.parent / "mobileca_desktop" / "ca"


class _App:
    def __init__(self, state: AppState) -> None:
        self.state = state.value


def test_the_table_is_the_documented_lifecycle():
    moves = {(a.value, b.value): op for (a, b), op in transitions.TRANSITIONS.items()}
    assert moves == {
        ("draft", "submitted"): "submit",
        ("draft", "discarded"): "discard",
        ("submitted", "issued"): "approve",
        ("submitted", "rejected"): "reject",
        ("submitted", "cancelled"): "cancel",
        ("rejected", "draft"): "continue",
        ("rejected", "cancelled"): "cancel",
    }
    # issued, cancelled and discarded are final
    assert not {a for a, _ in transitions.TRANSITIONS} & {
        AppState.ISSUED,
        AppState.CANCELLED,
        AppState.DISCARDED,
    }


@pytest.mark.parametrize("start", list(AppState))
@pytest.mark.parametrize("to", list(AppState))
def test_move_allows_only_the_table(start, to):
    app = _App(start)
    if (start, to) in transitions.TRANSITIONS:
        transitions.move(app, to, "act")  # type: ignore[arg-type]
        assert app.state == to.value
    else:
        with pytest.raises(E.IllegalState) as caught:
            transitions.move(app, to, "act")  # type: ignore[arg-type]
        assert caught.value.params == {"action": "act", "state": start.value}
        assert app.state == start.value


def test_no_other_module_sets_an_application_state():
    """Rows are created in a state (a new draft, a renewal's or change's application); after
    that only ``transitions.move`` assigns ``.state``."""
    offenders = []
    for path in sorted(CA.rglob("*.py")):
        if path.name == "transitions.py" or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            for t in targets:
                for el in t.elts if isinstance(t, ast.Tuple) else [t]:
                    if isinstance(el, ast.Attribute) and el.attr == "state":
                        offenders.append(f"{path.relative_to(CA)}:{node.lineno}")
    assert not offenders, offenders
