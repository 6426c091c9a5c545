"""iop-bot: an intake chatbot for addiction-treatment centers."""

__version__ = "0.1.0"
