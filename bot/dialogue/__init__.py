"""The pure dialogue state machine: ``Engine.step(state, message) -> (state, replies, events)``.

Import ``bot.dialogue.machine`` for the Engine; ``bot.dialogue.form`` holds the request
form's fields and validation on their own, so tools can use them without a matcher.
See docs/dialogue.md.
"""
