"""A Rasa-compatible REST channel, so clients built for Rasa can talk to this bot unchanged.

``POST /webhooks/rest/webhook`` with ``{"sender", "message"}`` answers a list of
``{"recipient_id", "text", "buttons"}``. Each sender gets one conversation, found
again by a keyed hash of the sender id (the raw id is never stored). A message
that starts with "/" is a button payload, as in Rasa. A sender's first message is
answered after the greeting, which carries the crisis resources.
"""

from __future__ import annotations

from aiohttp import web

from bot.web.api import check_length, parse, read_body, service_errors
from bot.web.keys import CHAT_KEY, LIMITER_KEY
from bot.web.schemas import RasaMessageIn


async def rasa_webhook(request: web.Request) -> web.Response:
    message = parse(RasaMessageIn, await read_body(request))
    check_length(request, message.message)
    text = message.message.strip()
    chat = request.app[CHAT_KEY]
    with service_errors():
        conversation_id, greeting = await chat.for_sender(message.sender)
        request.app[LIMITER_KEY].hit_conversation(conversation_id)
        if text.startswith("/"):
            replies = await chat.send(conversation_id, payload=text)
        else:
            replies = await chat.send(conversation_id, text=message.message)
    return web.json_response(
        [
            {
                "recipient_id": message.sender,
                "text": reply.text,
                "buttons": [{"title": b.title, "payload": b.payload} for b in reply.buttons],
            }
            for reply in (*greeting, *replies)
        ]
    )


async def rasa_health(_request: web.Request) -> web.Response:
    """Rasa answers GET on the channel root; some clients probe it."""
    return web.json_response({"status": "ok"})


def setup_rasa(app: web.Application) -> None:
    app.router.add_post("/webhooks/rest/webhook", rasa_webhook, name="rasa_webhook")
    app.router.add_get("/webhooks/rest/", rasa_health, name="rasa_health")
