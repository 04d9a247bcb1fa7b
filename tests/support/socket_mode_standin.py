"""A local websocket server playing Slack's Socket Mode, for a bot started with SLACK_APP_TOKEN.

Point the Slack stand-in's ``apps.connections.open`` at it (``standin.socket_mode_url = ws.url``):
it says hello, hands the bot one ``events_api`` envelope, and records the bot's ack of it.
"""

from __future__ import annotations

import json
import threading
from typing import Any


class SocketModeStandin:
    """A local websocket server playing Slack's Socket Mode: hello, then one events_api envelope."""

    def __init__(self, envelope: dict[str, Any]) -> None:
        from websockets.sync.server import serve

        self.envelope = envelope
        self.acks: list[dict[str, Any]] = []
        self.acked = threading.Event()
        self.server = serve(self._handle, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/link/?ticket=standin"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _handle(self, websocket: Any) -> None:
        websocket.send(
            json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0APP"}})
        )
        websocket.send(json.dumps(self.envelope))
        for message in websocket:
            data = json.loads(message)
            if data.get("envelope_id") == self.envelope["envelope_id"]:
                self.acks.append(data)
                self.acked.set()

    def close(self) -> None:
        self.server.shutdown()
