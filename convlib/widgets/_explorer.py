"""Widgets that are live in JupyterLab and still respond on the static website.

Every widget in the book is an :class:`Explorer`: a thin wrapper that wires
controls to a *pure render function* ``render(**values) -> Scene``. The same
function serves both places:

* **JupyterLab.** Moving a control sends the new values to Python, which calls
  ``render`` (torch, on the GPU if there is one) and sends the scene back.
* **Static website.** When the chapter is executed for the book, the widget
  calls ``render`` once for every combination of its controls and keeps the
  scenes in a table inside the widget's state. In the browser, with no kernel,
  ``explorer.js`` looks the scene up in that table.

An impossible combination never shows a traceback: ``render`` raises
``ValueError`` and the widget shows the first line of its message.

The widget says which of the two it is showing: ``explorer.js`` pings the
kernel over the widget's custom messages (every few seconds); while a pong
comes back it says **live** and draws the kernel's scenes, otherwise it says
**static** and draws from the table.
"""

from __future__ import annotations

import itertools
import json
import pathlib
from collections.abc import Callable, Sequence
from typing import Any

import anywidget
import traitlets

from ..scene import Scene, error_scene

__all__ = ["Control", "Explorer", "safe_render", "tabulate", "state_key"]

_STATIC = pathlib.Path(__file__).parents[1] / "static"
MAX_STATES = 4000  # beyond this, a table would make the page too heavy


class Control(dict):
    """One control: a slider over ``options`` (numbers) or a drop-down (strings).

    Args:
        name: the keyword passed to the render function.
        options: the values the control can take, in order.
        value: the initial value (one of ``options``).
        label: what the reader sees; defaults to ``name``.
    """

    def __init__(self, name: str, options: Sequence[Any], value: Any = None, label: str | None = None) -> None:
        options = list(options)
        if not options:
            raise ValueError(f"options of control {name!r} must not be empty")
        value = options[0] if value is None else value
        if value not in options:
            raise ValueError(f"value of control {name!r} must be one of its options {options}, got {value!r}")
        super().__init__(name=name, label=label or name.replace("_", " "), options=options, value=value)


def state_key(values: dict[str, Any], controls: Sequence[Control]) -> str:
    """The table key of a combination: the values in control order, joined by commas.

    ``explorer.js`` builds the same key in the browser.
    """
    return ",".join(json.dumps(values[c["name"]]) for c in controls)


def safe_render(render: Callable[..., Scene], values: dict[str, Any]) -> dict[str, Any]:
    """``render(**values)`` as JSON; a ``ValueError`` becomes a one-line error scene."""
    try:
        scene = render(**values)
    except ValueError as exc:
        scene = error_scene(str(exc))
    return scene.to_json()


def tabulate(render: Callable[..., Scene], controls: Sequence[Control]) -> dict[str, dict[str, Any]]:
    """Render every combination of the controls: the table the static website uses.

    Raises:
        ValueError: if the controls have more than ``MAX_STATES`` combinations.
    """
    total = 1
    for c in controls:
        total *= len(c["options"])
    if total > MAX_STATES:
        raise ValueError(f"controls have {total} combinations; at most {MAX_STATES} fit in a page")
    table = {}
    for combo in itertools.product(*(c["options"] for c in controls)):
        values = {c["name"]: v for c, v in zip(controls, combo)}
        table[state_key(values, controls)] = safe_render(render, values)
    return table


class Explorer(anywidget.AnyWidget):
    """Controls wired to a pure render function; see the module docstring.

    Args:
        render: ``render(**values) -> Scene``; raises ``ValueError`` for an impossible combination.
        controls: the controls, in display order.
        title: a heading shown above the controls.
        static: whether to precompute the table for the static website (default ``True``).
    """

    _esm = _STATIC / "explorer.js"
    _css = _STATIC / "explorer.css"

    title = traitlets.Unicode("").tag(sync=True)
    controls = traitlets.List().tag(sync=True)
    values = traitlets.Dict().tag(sync=True)
    table = traitlets.Dict().tag(sync=True)
    scene = traitlets.Dict().tag(sync=True)
    scene_key = traitlets.Unicode("").tag(sync=True)  # the state_key of the values ``scene`` was rendered for

    def __init__(self, render: Callable[..., Scene], controls: Sequence[Control], title: str = "", static: bool = True) -> None:
        self._render = render
        self._controls = controls = list(controls)
        values = {c["name"]: c["value"] for c in controls}
        super().__init__(
            title=title,
            controls=[dict(c) for c in controls],
            values=values,
            table=tabulate(render, controls) if static else {},
            scene=safe_render(render, values),
            scene_key=state_key(values, controls),
        )
        self.on_msg(self._answer)

    @traitlets.observe("values")
    def _rerender(self, change: dict[str, Any]) -> None:
        values = dict(change["new"])
        with self.hold_sync():
            self.scene = safe_render(self._render, values)
            self.scene_key = state_key(values, self._controls)

    def _answer(self, _widget: Any, content: Any, _buffers: Any) -> None:
        """Answer the front end's ``{"type": "ping"}`` with a pong: the kernel is alive, the widget is live."""
        if isinstance(content, dict) and content.get("type") == "ping":
            self.send({"type": "pong", "id": content.get("id")})
