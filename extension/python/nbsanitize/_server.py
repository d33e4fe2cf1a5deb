"""The Jupyter server extension: sanitizes what reaches the browser.

Enabled automatically by ``etc/jupyter/jupyter_server_config.d/nbsanitize.json`` (installed with
the wheel). Hook points (jupyter_server 2):

* **load**: the contents manager's ``mark_trusted_cells`` (called on every notebook load) is
  wrapped; a notebook whose signature the notary does not trust is sanitized before the model is
  returned, the file on disk is untouched. With an async contents manager the work runs in a
  thread (``get`` is wrapped to collect the notebooks and sanitize them off the event loop).
  ``trust_notebook`` is guarded, so trusting signs the original, not the sanitized copy.
* **save**: with ``sanitize_on_save`` a pre-save hook sanitizes what is written (with an async
  contents manager, ``save`` is wrapped to do the work in a thread first; the hook then skips).
* **REST**: ``POST {base_url}nbsanitize/sanitize``.
* **live output**: the kernel websocket connection class is subclassed; ``display_data``,
  ``execute_result`` and ``update_display_data`` on iopub are sanitized and re-signed before they
  are sent to the browser.

A notebook the engine cannot process is served unchanged with a warning: the extension never
makes a notebook unopenable.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import json
import time
from typing import Any

from jupyter_client.session import DELIM
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web
from traitlets import Bool, Enum, List, Unicode
from traitlets.config import LoggingConfigurable

from . import _native

LIVE_MSG_TYPES = frozenset({"display_data", "execute_result", "update_display_data"})

# Set while `trust_notebook` runs: the notebook it loads must be the original.
_trusting: contextvars.ContextVar[bool] = contextvars.ContextVar("nbsanitize_trusting", default=False)
# Set by the async `save` wrapper once it sanitized the model off the event loop.
_saved_clean: contextvars.ContextVar[bool] = contextvars.ContextVar("nbsanitize_saved_clean", default=False)
# Set by the async `get` wrapper: notebooks to sanitize after loading, in a thread.
_pending: contextvars.ContextVar[list | None] = contextvars.ContextVar("nbsanitize_pending", default=None)


class NBSanitize(LoggingConfigurable):
    """Settings of the nbsanitize server extension (``c.NBSanitize.*``)."""

    policy = Enum(
        ["default", "strict"],
        default_value="default",
        help="Policy preset: `default` keeps unknown MIME types, `strict` removes them.",
    ).tag(config=True)
    allowed_tags = List(
        Unicode(), help="Extra HTML elements to allow (elements that run code are refused)."
    ).tag(config=True)
    allowed_attributes = List(
        Unicode(), help="Extra HTML attributes to allow on every element (no event handlers)."
    ).tag(config=True)
    keep_mime_types = List(
        Unicode(), help="MIME types kept verbatim, also under `strict` (not executable ones)."
    ).tag(config=True)
    sanitize_on_load = Bool(
        True, help="Sanitize notebooks the notary does not trust before sending them to the browser."
    ).tag(config=True)
    sanitize_on_save = Bool(False, help="Sanitize every notebook saved through the contents API.").tag(
        config=True
    )
    sanitize_live_outputs = Bool(
        True,
        help="Sanitize display_data/execute_result/update_display_data from running kernels.",
    ).tag(config=True)

    def build_policy(self) -> _native.Policy:
        return _native.Policy(
            self.policy,
            add_tags=list(self.allowed_tags),
            add_attributes=list(self.allowed_attributes),
            keep_mime_types=list(self.keep_mime_types),
        )


def _summary(findings: list[dict]) -> str:
    codes: dict[str, int] = {}
    for f in findings:
        codes[f["code"]] = codes.get(f["code"], 0) + 1
    return ", ".join(f"{code}×{n}" if n > 1 else code for code, n in sorted(codes.items()))


class _Sanitizer:
    """Holds the built policy and does the work for every hook."""

    def __init__(self, settings: NBSanitize, log: Any) -> None:
        self.settings = settings
        self.policy = settings.build_policy()
        self.log = log

    def notebook_in_place(self, nb: dict, path: str, when: str) -> bool:
        """Sanitizes a notebook dict in place. Returns whether it changed; on an engine error
        logs a warning and leaves it as it was."""
        started = time.perf_counter()
        try:
            encoded = json.dumps(nb, ensure_ascii=False, allow_nan=False)
            text, findings = _native.sanitize_notebook_value(encoded, self.policy)
        except (TypeError, ValueError) as e:
            self.log.warning("nbsanitize: %s: not sanitized on %s, served unchanged: %s", path, when, e)
            return False
        if text is None:
            return False
        new = json.loads(text)
        try:
            import nbformat

            new = nbformat.from_dict(new)
        except ImportError:  # pragma: no cover - jupyter_server depends on nbformat
            pass
        nb.clear()
        nb.update(new)
        self.log.info(
            "nbsanitize: %s: sanitized on %s, %d finding(s) [%s] in %.1f ms",
            path,
            when,
            len(findings),
            _summary(findings),
            (time.perf_counter() - started) * 1000,
        )
        return True


def _is_trusted(cm: Any, nb: Any) -> bool:
    """The verdict `mark_trusted_cells` just recorded: it marks every code cell alike, so the
    marks are read instead of hashing the notebook a second time. Without code cells the marks
    say nothing, and the notary is asked."""
    code = [c for c in nb.get("cells", ()) if c.get("cell_type") == "code"]
    if code:
        return all((c.get("metadata") or {}).get("trusted") is True for c in code)
    return bool(cm.notary.check_signature(nb))


def _install_load_hooks(cm: Any, sanitizer: _Sanitizer) -> None:
    original_mark = cm.mark_trusted_cells
    is_async = inspect.iscoroutinefunction(cm.get)

    @functools.wraps(original_mark)
    def mark_trusted_cells(nb: Any, path: str = "") -> None:
        original_mark(nb, path)
        if _trusting.get() or _is_trusted(cm, nb):
            return
        pending = _pending.get()
        if pending is not None:
            pending.append((nb, path))
        else:
            sanitizer.notebook_in_place(nb, path, "load")

    cm.mark_trusted_cells = mark_trusted_cells

    original_trust = cm.trust_notebook
    if inspect.iscoroutinefunction(original_trust):

        @functools.wraps(original_trust)
        async def trust_notebook(path: str) -> Any:
            token = _trusting.set(True)
            try:
                return await original_trust(path)
            finally:
                _trusting.reset(token)

    else:

        @functools.wraps(original_trust)
        def trust_notebook(path: str) -> Any:
            token = _trusting.set(True)
            try:
                return original_trust(path)
            finally:
                _trusting.reset(token)

    cm.trust_notebook = trust_notebook

    if is_async:
        original_get = cm.get

        @functools.wraps(original_get)
        async def get(path: str, *args: Any, **kwargs: Any) -> Any:
            if _trusting.get():
                return await original_get(path, *args, **kwargs)
            pending: list = []
            token = _pending.set(pending)
            try:
                model = await original_get(path, *args, **kwargs)
            finally:
                _pending.reset(token)
            loop = asyncio.get_running_loop()
            for nb, nb_path in pending:
                await loop.run_in_executor(None, sanitizer.notebook_in_place, nb, nb_path, "load")
            return model

        cm.get = get


def _install_save_hook(cm: Any, sanitizer: _Sanitizer) -> None:
    def pre_save(model: dict, path: str, contents_manager: Any = None, **kwargs: Any) -> None:
        if _saved_clean.get():
            return  # already sanitized in a thread by the async `save` wrapper
        if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
            return
        sanitizer.notebook_in_place(model["content"], path, "save")

    cm.register_pre_save_hook(pre_save)

    original_save = cm.save
    if inspect.iscoroutinefunction(original_save):

        @functools.wraps(original_save)
        async def save(model: dict, path: str = "", *args: Any, **kwargs: Any) -> Any:
            if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
                return await original_save(model, path, *args, **kwargs)
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, sanitizer.notebook_in_place, model["content"], path, "save")
            token = _saved_clean.set(True)
            try:
                return await original_save(model, path, *args, **kwargs)
            finally:
                _saved_clean.reset(token)

        cm.save = save


class _Withheld(Exception):
    def __init__(self, msg_type: str) -> None:
        super().__init__(msg_type)
        self.msg_type = msg_type


def _sanitizing_connection_class(base: type, sanitizer: _Sanitizer) -> type:
    class SanitizingConnection(base):  # type: ignore[misc, valid-type]
        """Sanitizes rich output from the kernel before it reaches the websocket."""

        def handle_outgoing_message(self, stream: Any, outgoing_msg: list) -> None:
            try:
                outgoing_msg = self._nbsanitize(stream, outgoing_msg)
            except _Withheld as e:
                # Fail closed: rich output that could not be checked never reaches the browser.
                self.log.warning(
                    "nbsanitize: %s from kernel %s withheld: %s", e.msg_type, self.kernel_id, e.__cause__
                )
                return
            super().handle_outgoing_message(stream, outgoing_msg)

        def _nbsanitize(self, stream: Any, msg_list: list) -> list:
            channel = stream if isinstance(stream, str) else getattr(stream, "channel", None)
            if channel != "iopub":
                return msg_list
            session = self.session
            try:
                idents, fed = session.feed_identities(msg_list)
                header = session.unpack(fed[1])
                msg_type = header.get("msg_type")
            except Exception:  # not a message we can read; the base class reports it
                return msg_list
            if msg_type not in LIVE_MSG_TYPES:
                return msg_list
            try:
                return self._sanitize_rich(session, idents, fed, msg_type)
            except Exception as e:
                raise _Withheld(msg_type) from e

        def _sanitize_rich(self, session: Any, idents: list, fed: list, msg_type: str) -> list:
            content = session.unpack(fed[4])
            data = content.get("data")
            if not isinstance(data, dict) or not data:
                return [*idents, DELIM, *fed]
            new_data, findings = _native.sanitize_bundle(
                json.dumps(data, ensure_ascii=False, allow_nan=False),
                json.dumps(content.get("metadata") or {}, ensure_ascii=False, allow_nan=False),
                sanitizer.policy,
            )
            if new_data is None:
                return [*idents, DELIM, *fed]
            content["data"] = json.loads(new_data)
            fed = list(fed)
            fed[4] = session.pack(content)
            fed[0] = session.sign(fed[1:5])
            sanitizer.log.info(
                "nbsanitize: sanitized %s from kernel %s [%s]", msg_type, self.kernel_id, _summary(findings)
            )
            return [*idents, DELIM, *fed]

    SanitizingConnection.__name__ = f"Sanitizing{base.__name__}"
    SanitizingConnection.__qualname__ = SanitizingConnection.__name__
    return SanitizingConnection


class SanitizeHandler(APIHandler):
    """``POST {base_url}nbsanitize/sanitize``.

    Body: ``{"content": <str or notebook object>, "format": "ipynb"|"html"|...|null,
    "policy": "default"|"strict"}`` or a notebook object itself. Answer: ``{"content": ...,
    "changed": bool, "findings": [...]}`` (a notebook object in, a notebook object out). Bad
    input: 400 with ``{"message": ...}``.
    """

    @property
    def sanitizer(self) -> _Sanitizer:
        return self.settings["nbsanitize"]

    @web.authenticated
    async def post(self) -> None:
        try:
            body = json.loads(self.request.body or b"null")
        except ValueError as e:
            raise web.HTTPError(400, f"request body is not JSON: {e}") from None
        if isinstance(body, dict) and "nbformat" in body:
            content, fmt, policy = body, "ipynb", self.sanitizer.policy
        elif isinstance(body, dict) and "content" in body:
            content, fmt = body["content"], body.get("format")
            policy = body.get("policy") or self.sanitizer.policy
            if fmt is not None and not isinstance(fmt, str):
                raise web.HTTPError(400, "`format` must be a string")
            if not isinstance(policy, (str, _native.Policy)):
                raise web.HTTPError(400, "`policy` must be a string")
        else:
            raise web.HTTPError(400, 'expected {"content": ..., "format": ...} or a notebook object')
        loop = asyncio.get_running_loop()
        try:
            if isinstance(content, dict):
                if fmt not in (None, "ipynb", "notebook"):
                    raise web.HTTPError(400, "an object `content` must be a notebook")
                encoded = json.dumps(content, ensure_ascii=False, allow_nan=False)
                text, findings = await loop.run_in_executor(
                    None, _native.sanitize_notebook_value, encoded, policy
                )
                out: Any = content if text is None else json.loads(text)
            elif isinstance(content, str):
                text, findings = await loop.run_in_executor(
                    None, _native.sanitize_with_findings, content, fmt, policy
                )
                out = content if text is None else text
            else:
                raise web.HTTPError(400, "`content` must be a string or a notebook object")
        except ValueError as e:
            raise web.HTTPError(400, str(e)) from None
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"content": out, "changed": text is not None, "findings": findings}))


def load(serverapp: Any) -> None:
    """Installs every hook on a running ``ServerApp``."""
    settings = NBSanitize(parent=serverapp)
    sanitizer = _Sanitizer(settings, serverapp.log)
    web_app = serverapp.web_app
    web_app.settings["nbsanitize"] = sanitizer
    cm = serverapp.contents_manager
    if settings.sanitize_on_load:
        _install_load_hooks(cm, sanitizer)
    if settings.sanitize_on_save:
        _install_save_hook(cm, sanitizer)
    if settings.sanitize_live_outputs:
        base = web_app.settings.get("kernel_websocket_connection_class")
        if base is None:
            serverapp.log.warning("nbsanitize: no kernel websocket connection class; live outputs not sanitized")
        else:
            web_app.settings["kernel_websocket_connection_class"] = _sanitizing_connection_class(base, sanitizer)
    route = url_path_join(web_app.settings["base_url"], "nbsanitize", "sanitize")
    web_app.add_handlers(".*$", [(route, SanitizeHandler)])
    serverapp.log.info(
        "nbsanitize %s: policy %s; load %s, save %s, live outputs %s; POST %s",
        _native.__version__,
        settings.policy,
        "on" if settings.sanitize_on_load else "off",
        "on" if settings.sanitize_on_save else "off",
        "on" if settings.sanitize_live_outputs else "off",
        route,
    )
