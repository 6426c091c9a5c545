"""The content pack: what editors write (intents, responses, center facts) as typed data."""

from bot.content.loader import ContentError, load_pack
from bot.content.models import Button, Center, ContentPack, Intent, Problem, ResponseVariant

__all__ = [
    "Button",
    "Center",
    "ContentError",
    "ContentPack",
    "Intent",
    "Problem",
    "ResponseVariant",
    "load_pack",
]
