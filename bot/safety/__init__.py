"""The safety layer: crisis detection that runs on every message, in every state.

``detect(text)`` returns a ``SafetyHit`` (kind ``crisis_self_harm`` or
``medical_emergency`` and a short ``cue``) or None. See docs/safety.md.
"""

from bot.safety.detector import SafetyHit, detect

__all__ = ["SafetyHit", "detect"]
