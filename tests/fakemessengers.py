"""A local HTTP server that speaks the parts of the Telegram Bot API and the VK API the app uses.

It records what the app sends (`sendMessage`, `sendPhoto`, `messages.send` with uploaded photos,
`wall.post`, ...), serves queued updates to `getUpdates` and to VK's Long Poll, and answers as a
blocked bot would (Telegram's 403 "bot was blocked by the user", VK's error 901) for chats in `blocked`.
"""

import email.parser
import email.policy
import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

TELEGRAM_TOKEN = "123456:TEST-telegram-token"
VK_TOKEN = "vk1.a.test-community-token"
VK_GROUP_ID = 4242
BOT_USERNAME = "anticafe_test_bot"
VK_CONFIRMATION = "c0nf1rm"


@dataclass
class Call:
    api: str  # "telegram" or "vk"
    method: str
    params: dict
    #: uploaded files: field name -> bytes
    files: dict = field(default_factory=dict)


def _multipart(content_type: str, body: bytes) -> tuple[dict, dict]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    params, files = {}, {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if part.get_filename() is not None:
            files[name] = part.get_payload(decode=True)
        else:
            params[name] = part.get_content()
    return params, files


class FakeMessengers:
    """The fake servers' state; `url` is their base address."""

    def __init__(self):
        self.calls: list[Call] = []
        self.blocked: set[str] = set()
        self.telegram_updates: list[dict] = []
        self.vk_events: list[dict] = []
        self.photos: dict[str, bytes] = {}
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1000)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- settings for the app
    @property
    def config(self) -> dict:
        return {"TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_API_URL": self.url + "/telegram",
                "TELEGRAM_CHANNEL": "@anticafe_news", "VK_GROUP_TOKEN": VK_TOKEN, "VK_GROUP_ID": str(VK_GROUP_ID),
                "VK_API_URL": self.url + "/vk/method", "PUBLIC_BASE_URL": "https://cafe.example"}

    # -- what the tests look at
    def sent(self, api: str, *methods: str) -> list[Call]:
        return [call for call in self.calls if call.api == api and call.method in methods]

    def last_to(self, api: str, chat) -> Call:
        methods = ("sendMessage", "sendPhoto") if api == "telegram" else ("messages.send",)
        key = "chat_id" if api == "telegram" else "peer_id"
        return [call for call in self.sent(api, *methods) if call.params.get(key) == str(chat)][-1]

    def vk_photo(self, call: Call) -> bytes:
        """Return the picture attached to a VK message."""
        return self.photos[call.params["attachment"]]

    # -- feeding updates
    def telegram_message(self, chat_id: int, text: str, *, language: str = "ru", first_name: str = "Вика") -> dict:
        update = {"update_id": next(self._update_ids), "message": {
            "message_id": next(self._ids), "date": 0, "text": text,
            "chat": {"id": chat_id, "type": "private", "first_name": first_name},
            "from": {"id": chat_id, "is_bot": False, "first_name": first_name, "language_code": language}}}
        if text.startswith("/"):
            update["message"]["entities"] = [{"type": "bot_command", "offset": 0,
                                              "length": len(text.split(" ")[0])}]
        return update

    def telegram_button(self, chat_id: int, data: str, *, language: str = "ru") -> dict:
        return {"update_id": next(self._update_ids), "callback_query": {
            "id": str(next(self._ids)), "chat_instance": "1", "data": data,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Вика", "language_code": language},
            "message": {"message_id": next(self._ids), "date": 0, "chat": {"id": chat_id, "type": "private"}}}}

    def telegram_blocked(self, chat_id: int) -> dict:
        member = {"user": {"id": 1, "is_bot": True, "first_name": "Cafe"}}
        return {"update_id": next(self._update_ids), "my_chat_member": {
            "chat": {"id": chat_id, "type": "private"}, "date": 0,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Вика"},
            "old_chat_member": {**member, "status": "member"}, "new_chat_member": {**member, "status": "kicked"}}}

    def vk_message(self, peer_id: int, text: str = "", *, payload: str | None = None, ref: str | None = None,
                   lang_id: int = 0) -> dict:
        message = {"id": next(self._ids), "date": 0, "peer_id": peer_id, "from_id": peer_id, "text": text,
                   "conversation_message_id": next(self._ids)}
        if payload is not None:
            message["payload"] = json.dumps({"cmd": payload})
        if ref is not None:
            message["ref"] = ref
            message["ref_source"] = "site"
        return {"type": "message_new", "group_id": VK_GROUP_ID, "event_id": str(next(self._ids)), "v": "5.199",
                "object": {"message": message, "client_info": {"lang_id": lang_id}}}

    # -- the server
    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()

    def _record(self, api, method, params, files) -> None:
        with self._lock:
            self.calls.append(Call(api, method, params, files))

    def _telegram(self, method: str, params: dict, files: dict):
        self._record("telegram", method, params, files)
        if method == "getMe":
            return 200, {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "Cafe",
                                                "username": BOT_USERNAME}}
        if method in ("sendMessage", "sendPhoto"):
            if params.get("chat_id") in self.blocked:
                return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
            message = {"message_id": next(self._ids), "date": 0,
                       "chat": {"id": params.get("chat_id"), "type": "private"}}
            return 200, {"ok": True, "result": message}
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            with self._lock:
                ready = [u for u in self.telegram_updates if u["update_id"] >= offset]
                self.telegram_updates = []
            return 200, {"ok": True, "result": ready}
        if method in ("setWebhook", "deleteWebhook", "answerCallbackQuery"):
            return 200, {"ok": True, "result": True}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

    def _vk(self, method: str, params: dict, files: dict):
        self._record("vk", method, params, files)
        if params.get("access_token") != VK_TOKEN:
            return {"error": {"error_code": 5, "error_msg": "User authorization failed", "request_params": []}}
        if method == "messages.send":
            if params.get("peer_id") in self.blocked:
                return {"error": {"error_code": 901, "error_msg": "Can't send messages for users without permission",
                                  "request_params": []}}
            return {"response": next(self._ids)}
        if method == "photos.getMessagesUploadServer":
            return {"response": {"upload_url": self.url + "/vk/upload", "album_id": -64, "group_id": VK_GROUP_ID}}
        if method == "photos.saveMessagesPhoto":
            photo_id = next(self._ids)
            self.photos[f"photo-{VK_GROUP_ID}_{photo_id}"] = self.photos.pop("upload:" + params["photo"])
            return {"response": [{"id": photo_id, "owner_id": -VK_GROUP_ID, "album_id": -64}]}
        if method == "wall.post":
            return {"response": {"post_id": next(self._ids)}}
        if method == "groups.getLongPollServer":
            return {"response": {"key": "k", "server": self.url + "/vk/longpoll", "ts": "1"}}
        if method == "groups.getCallbackConfirmationCode":
            return {"response": {"code": VK_CONFIRMATION}}
        if method == "groups.addCallbackServer":
            return {"response": {"server_id": 7}}
        if method == "groups.setCallbackSettings":
            return {"response": 1}
        return {"error": {"error_code": 3, "error_msg": "Unknown method passed", "request_params": []}}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, data) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _params(self) -> tuple[str, dict, dict]:
                parts = urlsplit(self.path)
                params = dict(parse_qsl(parts.query))
                files = {}
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                content_type = self.headers.get("Content-Type", "")
                if content_type.startswith("multipart/form-data"):
                    more, files = _multipart(content_type, body)
                    params.update(more)
                elif body:
                    params.update(parse_qsl(body.decode()))
                return parts.path, params, files

            def do_GET(self):
                self._dispatch()

            def do_POST(self):
                self._dispatch()

            def _dispatch(self):
                path, params, files = self._params()
                if path.startswith("/telegram/bot"):
                    token, _, method = path[len("/telegram/bot"):].partition("/")
                    if token != TELEGRAM_TOKEN:
                        self._answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                        return
                    self._answer(*fake._telegram(method, params, files))
                elif path.startswith("/vk/method/"):
                    self._answer(200, fake._vk(path[len("/vk/method/"):], params, files))
                elif path == "/vk/upload":
                    key = f"k{next(fake._ids)}"
                    fake.photos["upload:" + key] = next(iter(files.values()))
                    self._answer(200, {"server": 1, "photo": key, "hash": "h"})
                elif path == "/vk/longpoll":
                    with fake._lock:
                        events, fake.vk_events = fake.vk_events, []
                    self._answer(200, {"ts": str(int(params.get("ts", 1)) + 1), "updates": events})
                else:
                    self._answer(404, {})

        return Handler
