"""The web edge: the aiohttp app factory, chat API, Rasa channel, widget and demo page."""
