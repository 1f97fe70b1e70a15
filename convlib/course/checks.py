"""Short feedback from ``grader.check``: one line per public check that fails, its assert's message.

Otter shows a failed check as a report per test case (a doctest transcript with a
traceback per failed ``assert``, or for exception-based tests the failing source
line and the exception). The student edition's init cell calls
:func:`short_feedback`, after which a check cell shows::

    ❌ ch02_output_shape: shape should be a tuple of 4 ints (N, C, H, W)

one such line for each public check (test cell) that fails, the message of its
first failing ``assert``, or ``✅ ch02_output_shape: the public checks pass``.
:func:`hint` is also what ``make grade`` writes into the feedback files
(``convlib/course/_sandbox.py`` loads this file by path: keep it free of imports
beyond the standard library).
"""

from __future__ import annotations

import html
import re
from typing import Any

__all__ = ["hint", "lines", "short_feedback", "MESSAGE_CAP"]

MESSAGE_CAP = 2_000  # characters kept of one check's message
_DOCTEST_EXCEPTION = re.compile(r"^    ([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)\b.*)$", re.M)


def hint(message: str | None) -> str:
    """The hint in otter's report of one failed test case: the assert's message, or ``Type: message``.

    Understands both of otter's Python formats: an exception-based test's report (``Error at line N in
    test …``, the line, then ``Type: message``; the format ``make student`` writes) and an OK-format
    doctest transcript (its first exception line).
    """
    text = (message or "").strip()
    parts = text.split("\n", 3)
    if len(parts) == 4 and parts[1].startswith("Error at line "):
        found = parts[3].strip()
    else:
        match = _DOCTEST_EXCEPTION.search(text)
        found = match.group(1) if match else (text.splitlines() or ["failed"])[-1]
    if found == "AssertionError:" or found == "AssertionError":
        return "a check failed (its assert has no message)"
    return found.removeprefix("AssertionError: ")[:MESSAGE_CAP]


def lines(result: Any) -> list[str]:
    """The short report of a checked question (otter's ``TestFile``): one line per failed public check."""
    failed = [hint(r.message) for r in result.test_case_results if not r.passed and not r.test_case.hidden]
    if not failed:
        return [f"✅ {result.name}: the public checks pass"]
    return [f"❌ {result.name}: " + " ".join(h.split()) for h in failed]


def _plain(result: Any, printer: Any, cycle: bool) -> None:
    printer.text("\n".join(lines(result)))


def _html(result: Any) -> str:
    body = "<br>".join(html.escape(line) for line in lines(result))
    return f"<div class='convlib-check' style='font-family: monospace; white-space: pre-wrap'>{body}</div>"


def short_feedback() -> None:
    """Make this IPython kernel show otter's check results as :func:`lines` (a no-op outside IPython)."""
    try:
        from IPython import get_ipython
        from otter.test_files.abstract_test import TestFile
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    formatters = shell.display_formatter.formatters
    formatters["text/plain"].for_type(TestFile, _plain)
    formatters["text/html"].for_type(TestFile, _html)
