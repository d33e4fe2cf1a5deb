"""nbsanitize: make Jupyter notebooks and ML artifacts safe to open.

The functions here bind the Rust engine. They release the GIL while it works and raise
``ValueError`` with the engine's one-line message when the input cannot be processed
(not UTF-8, broken JSON, not a notebook, ...).

>>> import nbsanitize
>>> nbsanitize.sanitize('<b>hi</b><img src=x onerror=alert(1)>', format="html")
'<b>hi</b><img src="x">'

Installing the package also installs the ``nbsanitize`` command (the Rust binary) and enables
the Jupyter server extension (see ``nbsanitize._server``).
"""

from __future__ import annotations

import json
from typing import Any, Union

from ._native import Policy, __version__
from ._native import check as _check
from ._native import sanitize as _sanitize
from ._native import sanitize_bundle, sanitize_notebook_value, sanitize_with_findings

__all__ = [
    "Policy",
    "__version__",
    "check",
    "sanitize",
    "sanitize_bundle",
    "sanitize_notebook",
    "sanitize_notebook_value",
    "sanitize_with_findings",
]

Content = Union[str, bytes]
PolicyLike = Union[str, Policy, None]


def sanitize(content: Content, format: str | None = None, policy: PolicyLike = "default") -> str:
    """Sanitizes ``content`` and returns the safe text (the input itself when nothing changed).

    ``format`` is one of ``ipynb``, ``html``, ``svg``, ``markdown``, ``geojson``; detected from
    the content when ``None``. ``policy`` is a preset name (``default``, ``strict``) or a
    :class:`Policy`. Notebooks come back as nbformat writes them.
    """
    return _sanitize(content, format, policy)


def check(content: Content, format: str | None = None, policy: PolicyLike = "default") -> list[dict[str, Any]]:
    """Returns the findings for ``content`` without changing anything.

    Each finding is a dict with ``code`` (``NB102``), ``rule`` (kebab-case name), ``severity``
    (``error``/``warning``/``info``), ``message``, ``location`` (a dict: ``cell``, ``cell_id``,
    ``output``, ``mime``, ``pointer``, ``member``, ``description``) and ``action`` (what
    ``sanitize`` does about it).
    """
    return _check(content, format, policy)


def sanitize_notebook(nb: dict[str, Any] | str, policy: PolicyLike = "default") -> tuple[Any, list[dict[str, Any]]]:
    """Sanitizes a notebook given as a dict (e.g. from ``nbformat.read`` or ``json.load``) or as
    JSON text. Returns ``(notebook, findings)``.

    A dict comes back as a new dict of the same shape (strings stay joined, unknown keys kept),
    or as the very same object when nothing changed. A string comes back as the bytes nbformat
    would write (lines split, sorted keys, one-space indent), or unchanged.
    """
    if isinstance(nb, (str, bytes)):
        text, findings = sanitize_with_findings(nb, "ipynb", policy)
        return (nb if text is None else text), findings
    if not isinstance(nb, dict):
        raise ValueError("a notebook must be a dict or JSON text")
    try:
        encoded = json.dumps(nb, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise ValueError(f"invalid notebook: {e}") from None
    text, findings = sanitize_notebook_value(encoded, policy)
    if text is None:
        return nb, findings
    return json.loads(text), findings


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "nbsanitize"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from ._server import load

    load(serverapp)
