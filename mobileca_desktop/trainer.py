"""Trainer commands on the QA kit's scenario runner (``mobileca_desktop.testing``):
``mobileca demo --state NAME`` (the demo's windows played to a named point of the handbook
before the trainer takes over) and ``mobileca play FILE`` (a scenario played visibly for a
classroom, ``play_window.py``).

The one place outside pytest that uses the kit: the application's own modules never import
it (.importlinter); ``cli`` reaches it only for these commands.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from mobileca_desktop.testing.scenarios import DEMO_STATES, DemoState, ScenarioError

__all__ = ["DEMO_STATES", "DemoState", "demo_state", "play", "states_help"]


def states_help() -> str:
    """The states for ``mobileca demo --help``."""
    return "; ".join(f"{s.name}: {s.says}" for s in DEMO_STATES.values())


def demo_state(name: str, pace_ms: int = 0) -> Callable[[Any], str]:
    """``DemoOptions.prepare`` for ``--state NAME``: the state's shipped scenario played in
    the demo's two windows (the legal person's computer and the agent's) up to the state,
    then both back on their home page. ``ScenarioError`` for an unknown name."""
    if name not in DEMO_STATES:
        raise ScenarioError(f"没有演示状态“{name}”（可用：{'、'.join(DEMO_STATES)}）")
    state = DEMO_STATES[name]

    def prepare(demo: Any) -> str:
        from mobileca_desktop.demo import AGENT_DEVICE, LEGAL_DEVICE
        from mobileca_desktop.testing import scenarios
        from mobileca_desktop.testing.driver import WindowClient, world_over

        scenario = scenarios.load(state.scenario_path())
        last = state.last_step(scenario)
        world = world_over(demo.shared.services, demo.shared.seed or {}, demo.folder)
        clients = {
            "legal-pc": WindowClient(demo.legal.window, world, LEGAL_DEVICE, pace_ms),
            "agent-pc": WindowClient(demo.agent.window, world, AGENT_DEVICE, pace_ms),
        }
        player = scenarios.Player(world, clients.__getitem__, clients=clients)
        player.play(scenario, until=last)
        for device, client in clients.items():
            if client.window.current().objectName() != "loginPage":
                player.device = device
                player.home()
        return (
            f"演示状态：{state.name}（{state.says}；{scenario.path.name} 第 1–{last} 步，"
            f"证书密码 {player.certificate_password}）"
        )

    return prepare


def play(
    file: Path,
    folder: Path | None = None,
    pace_ms: int | None = None,
    portrait: Path | None = None,
    quit_at_end: bool = False,
    lang: str | None = None,
) -> int:
    """``mobileca play FILE`` (``play_window.run_play``)."""
    from mobileca_desktop.play_window import DEFAULT_PACE_MS, run_play

    pace = DEFAULT_PACE_MS if pace_ms is None else max(pace_ms, 0)
    return run_play(file, folder, pace, portrait, quit_at_end, lang)
