"""The public API's bodies as pydantic models: request validation and the OpenAPI schemas.

Handlers validate requests with these models and build responses in the same
shapes; ``bot.web.openapi`` publishes their JSON schemas, so the document and
the behaviour cannot drift apart (a test validates live responses against them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

PAYLOAD_PATTERN = r"^/[A-Za-z0-9_]+(\{.*\})?$"


class _In(BaseModel):
    # Strict: 123 is not a string. Unknown keys are ignored for forward compatibility.
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class MessageIn(_In):
    """A visitor message: typed ``text``, or a button's ``payload`` (with its title as text)."""

    text: str | None = Field(default=None, description="What the visitor typed.")
    payload: str | None = Field(
        default=None,
        description="A button's payload, e.g. '/insurance'. With a payload, text is optional "
        "and is only the button's title as the visitor saw it.",
        pattern=PAYLOAD_PATTERN,
        max_length=200,
    )

    @model_validator(mode="after")
    def _one_of(self) -> MessageIn:
        if self.payload is None and (self.text is None or not self.text.strip()):
            raise ValueError("give a non-empty 'text' or a 'payload'")
        return self


class RasaMessageIn(_In):
    """Rasa REST channel input."""

    sender: str = Field(min_length=1, max_length=256, description="The client's user id.")
    message: str = Field(description="Text, or a payload when it starts with '/'.")

    @model_validator(mode="after")
    def _not_blank(self) -> RasaMessageIn:
        if not self.message.strip():
            raise ValueError("'message' must not be empty")
        return self


class ButtonOut(BaseModel):
    title: str
    payload: str


class MessageOut(BaseModel):
    text: str
    buttons: list[ButtonOut]
    kind: Literal["greeting", "answer", "question", "crisis", "fallback", "confirmation", "error"]


class ConversationCreated(BaseModel):
    conversation_id: str = Field(description="Unguessable id (at least 192 random bits).")
    messages: list[MessageOut]


class MessagesOut(BaseModel):
    messages: list[MessageOut]


class TranscriptMessage(BaseModel):
    role: Literal["visitor", "bot"]
    text: str
    buttons: list[ButtonOut]
    kind: str = Field(description="A bot message's kind; 'text' or 'button' for the visitor.")
    created_at: datetime


class Transcript(BaseModel):
    conversation_id: str
    messages: list[TranscriptMessage]


class RasaReply(BaseModel):
    recipient_id: str
    text: str
    buttons: list[ButtonOut]


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. 'message_too_long'.")
    message: str = Field(description="Human-readable explanation.")
    request_id: str = Field(description="Quote it when reporting a problem.")


class ErrorOut(BaseModel):
    error: ErrorDetail


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "error"]
    schema_revision: str | None
    content_loaded_at: datetime
    content_errors: int = Field(description="Problems of the last rejected content reload.")
    version: str
    time: datetime
