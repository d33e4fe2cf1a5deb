"""Live kernel output through the server's websocket bridge (ipykernel, both wire protocols)."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from conftest import Server, need

CODE = "from IPython.display import HTML, display\ndisplay(HTML('<b>live</b><img src=x onerror=\"alert(1)\">'))"
V1 = "v1.kernel.websocket.jupyter.org"


def execute_request(code: str) -> dict:
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": "execute_request",
            "username": "test",
            "session": uuid.uuid4().hex,
            "version": "5.3",
            "date": "2024-01-01T00:00:00Z",
        },
        "parent_header": {},
        "metadata": {},
        "content": {
            "code": code,
            "silent": False,
            "store_history": False,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
        "channel": "shell",
        "buffers": [],
    }


def encode_v1(msg: dict) -> bytes:
    """The v1 binary framing: offsets, channel, header, parent_header, metadata, content."""
    parts = [msg["channel"].encode()] + [
        json.dumps(msg[k]).encode() for k in ("header", "parent_header", "metadata", "content")
    ]
    n = len(parts) + 1
    offsets, pos = [], 8 * (n + 1)
    for p in parts:
        offsets.append(pos)
        pos += len(p)
    offsets.append(pos)
    head = n.to_bytes(8, "little") + b"".join(o.to_bytes(8, "little") for o in offsets)
    return head + b"".join(parts)


def decode_v1(data: bytes) -> dict:
    n = int.from_bytes(data[:8], "little")
    offsets = [int.from_bytes(data[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(n)]
    parts = [data[offsets[i] : offsets[i + 1]] for i in range(n - 1)]
    msg = {"channel": parts[0].decode()}
    for key, raw in zip(("header", "parent_header", "metadata", "content"), parts[1:5]):
        msg[key] = json.loads(raw)
    return msg


def run_display(server: Server, protocol: str | None, code: str = CODE, want: str = "display_data") -> dict:
    """Starts a kernel, runs `code`, returns the first `want` message the browser gets."""
    websocket = need("websocket")
    status, kernel = server.request("POST", "api/kernels", {"name": "python3"})
    assert status == 201, kernel
    url = f"ws://127.0.0.1:{server.port}/api/kernels/{kernel['id']}/channels?token={server.token}"
    ws = websocket.create_connection(url, timeout=60, subprotocols=[protocol] if protocol else None)
    try:
        msg = execute_request(code)
        if protocol == V1:
            ws.send_binary(encode_v1(msg))
        else:
            ws.send(json.dumps(msg))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            frame = ws.recv()
            reply = decode_v1(frame) if isinstance(frame, bytes) else json.loads(frame)
            if reply.get("parent_header", {}).get("msg_id") != msg["header"]["msg_id"]:
                continue
            if reply["header"]["msg_type"] == want:
                return reply
            if reply["header"]["msg_type"] == "error":
                pytest.fail(f"kernel error: {reply['content']}")
        pytest.fail(f"no {want} from the kernel in 90 s")
    finally:
        ws.close()
        server.request("DELETE", f"api/kernels/{kernel['id']}")


@pytest.mark.parametrize("protocol", [None, V1], ids=["json", "v1-binary"])
def test_live_display_is_sanitized(server, protocol):
    need("ipykernel")
    reply = run_display(server, protocol)
    html = reply["content"]["data"]["text/html"]
    assert html == '<b>live</b><img src=x>', html
    assert "nbsanitize: sanitized display_data from kernel" in server.log()


def test_execute_result_and_update_display_are_sanitized(server):
    need("ipykernel")
    reply = run_display(server, None, "from IPython.display import HTML\nHTML('<i>r</i><svg onload=alert(1)>')", "execute_result")
    # The handler goes; the (now empty) inline SVG is kept, as the policy keeps sanitized SVG.
    assert reply["content"]["data"]["text/html"] == "<i>r</i><svg></svg>", reply["content"]["data"]
    code = (
        "from IPython.display import HTML, display\n"
        "h = display(HTML('<b>a</b>'), display_id=True)\n"
        "h.update(HTML('<b>b</b><a href=\"javascript:alert(1)\">x</a>'))"
    )
    reply = run_display(server, V1, code, "update_display_data")
    html = reply["content"]["data"]["text/html"]
    assert "javascript:" not in html and html.startswith("<b>b</b>"), html


@pytest.fixture(scope="module")
def live_off_server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("live-off"), ["--NBSanitize.sanitize_live_outputs=False"])
    yield srv
    srv.stop()


def test_live_sanitizing_can_be_turned_off(live_off_server):
    need("ipykernel")
    reply = run_display(live_off_server, None)
    assert "onerror" in reply["content"]["data"]["text/html"]
