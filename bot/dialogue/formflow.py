"""One turn inside the assessment-request form.

The hard part of a form in a chat is deciding what a message *is*: an answer
to the pending question, a command (cancel, skip, "why do you ask?"), or a
question about the program asked in passing. The rules, per kind of field:

* contact: a phone number or e-mail anywhere in the text is the answer;
* first name: a short run of letters is a name, unless it reads as a question
  or the matcher recognises a topic ("program length"); "my name is ..." always
  counts as a name;
* insurance: any short plain text that is not a question is the answer;
* choices (for whom, contact method, time, yes/no): the matcher's intent, or
  the button's payload, picks the choice.

Anything else is a command, a question (answered, then the form resumes with
the same question), or an invalid answer (explained, asked again; after three
the center's phone number is offered and the form stays open).
"""

from __future__ import annotations

from typing import Any

from bot.content.models import ContentPack
from bot.dialogue import form as F
from bot.dialogue.replies import COMMAND_INTENTS, counts_as_answer
from bot.dialogue.state import FormState
from bot.dialogue.turn import Turn
from bot.matching.matcher import OUT_OF_SCOPE, MatchResult

MAX_FAILURES = 3
_EDIT_CHOICES = {"affirm": True, "deny": False, "for_self": "self", "for_loved_one": "loved_one"}
_PROBLEM = {"first_name": "invalid_name", "contact": "invalid_contact"}


def confident_intent(match: MatchResult, pack: ContentPack) -> str | None:
    """The matched intent when the matcher is sure and the pack still has it."""
    if match.intent == OUT_OF_SCOPE or match.ambiguous or match.intent not in pack.intents:
        return None
    return match.intent


class FormFlow:
    def __init__(self, pack: ContentPack) -> None:
        self._pack = pack

    # --- entering and leaving ------------------------------------------------------
    def start(self, t: Turn) -> None:
        """Begin the form, or pick a set-aside one back up."""
        if t.state.submitted:
            t.say("already_submitted")
        elif t.state.form is not None:
            t.update_form(paused=False, failures=0)
            self.resume(t)
        else:
            t.set_form(FormState(field=F.next_field({})))
            t.emit("form_started")
            t.say("form_start")
            t.ask()

    def resume(self, t: Turn) -> None:
        t.say("resume_form")
        t.ask()

    def cancel(self, t: Turn) -> None:
        t.set_form(None)
        t.emit("form_cancelled")
        t.say("form_cancelled")

    # --- one message ---------------------------------------------------------------
    def handle(self, t: Turn, text: str | None, match: MatchResult) -> None:
        field = t.form.field
        intent = confident_intent(match, self._pack)
        if text is None and intent is None:
            self._unanswered(t, match)  # a stale or unknown button: not the visitor's mistake
            return
        if text is not None and field in F.FREE_TEXT:
            if self._free_text(t, field, text, intent):
                return
        else:
            if text is not None and field == "contact_method" and self._more_contact(t, text):
                return
            choice = self._choice(field, match, t.values)
            if choice is not None:
                t.matched(choice, match.confidence)
                self._apply_choice(t, field, choice)
                return
        if intent is not None:
            t.matched(intent, match.confidence)
            if self._command(t, field, intent):
                return
            if intent not in F.FORM_INTENTS:
                self._interrupt(t, intent)
                return
        elif text is not None and F.looks_like_question(text):
            self._unanswered(t, match)
            return
        self._invalid(t, _PROBLEM.get(field, "invalid_choice"))

    def _free_text(self, t: Turn, field: str, text: str, intent: str | None) -> bool:
        """Take the text as the answer when it is one; False leaves it to the other rules."""
        question = F.looks_like_question(text)
        if field == "contact":
            contact = F.parse_contact(text, t.speaker.region)
            if contact.phone or contact.email:
                self._set(t, {"phone": contact.phone, "email": contact.email})
                return True
            if intent is None and not question:
                self._invalid(t, contact.problem or "invalid_contact")
                return True
        elif field == "first_name":
            name = F.parse_name(text)
            plain = not question and (intent is None or intent in F.FORM_INTENTS)
            if name and (F.name_cue(text) == "strong" or plain):
                self._set(t, {"first_name": name})
                return True
        elif field == "insurance" and not question and intent not in COMMAND_INTENTS:
            insurer = F.parse_insurance(text)
            if insurer:
                self._set(t, {"insurance": insurer})
                return True
        return False

    def _more_contact(self, t: Turn, text: str) -> bool:
        """An e-mail or number typed at "how should we reach you?" is added, then asked again."""
        contact = F.parse_contact(text, t.speaker.region)
        if not (contact.phone or contact.email):
            return False
        self._set(t, {"phone": contact.phone, "email": contact.email})
        return True

    def _choice(self, field: str, match: MatchResult, values: Any) -> str | None:
        if field == F.CONFIRM or field == F.CHANGE:
            allowed = {*_EDIT_CHOICES, *F.CHANGES}
        else:
            allowed = set(F.allowed_choices(field, values))
        # A choice wins even when the matcher hesitates with another intent: the
        # question on screen makes the choice the likelier reading.
        return (
            match.intent if match.intent in allowed and match.intent in self._pack.intents else None
        )

    def _command(self, t: Turn, field: str, intent: str) -> bool:
        if intent == "cancel":
            self.cancel(t)
        elif intent == "request_assessment":
            self.resume(t)
        elif intent == "why_field":
            self._why(t, field)
        elif intent in ("skip", "deny") and field in F.OPTIONAL:
            self._set(t, {field: None})
        elif intent in ("skip", "deny") and field in F.FREE_TEXT:
            self._why(t, field)  # a required answer refused: say why it helps, ask again
        elif intent == "affirm" and field in F.FREE_TEXT:
            t.ask()  # "yes" to "which insurance?": ask for the actual answer
        else:
            return False
        return True

    # --- answers -----------------------------------------------------------------
    def _apply_choice(self, t: Turn, field: str, intent: str) -> None:
        if intent in F.CHANGES and field in (F.CONFIRM, F.CHANGE):
            values = {k: v for k, v in t.values.items() if k not in F.CHANGES[intent]}
            t.set_form(FormState(field=F.next_field(values), values=values))
            t.ask()
        elif field in (F.CONFIRM, F.CHANGE):
            self._edit_choice(t, field, intent)
        elif field == "consent" and intent == "deny":
            t.set_form(None)
            t.emit("consent_declined")
            t.say("consent_declined")
        else:
            self._set(t, {field: F.CHOICES[field][intent]})

    def _edit_choice(self, t: Turn, field: str, intent: str) -> None:
        if intent in ("for_self", "for_loved_one"):
            self._set(t, {"for_whom": _EDIT_CHOICES[intent]})
        elif field == F.CONFIRM and intent == "affirm":
            self._submit(t)
        elif field == F.CONFIRM and intent == "deny":
            t.update_form(field=F.CHANGE, failures=0)
            t.ask()
        else:  # yes/no while choosing what to change: back to the summary
            t.update_form(field=F.CONFIRM, failures=0)
            t.ask()

    def _set(self, t: Turn, updates: dict[str, Any]) -> None:
        values = dict(t.values)
        for key, value in updates.items():
            if value is not None or key in F.OPTIONAL:
                values[key] = value
        values = F.settle(values)
        t.set_form(FormState(field=F.next_field(values), values=values))
        t.ask()

    def _submit(self, t: Turn) -> None:
        values = dict(t.values)
        t.emit("assessment_requested", fields=F.submission(values))
        t.state = t.state.with_(form=None, submitted=True, offer=None)
        t.say("submitted", values=values)

    # --- not an answer -----------------------------------------------------------
    def _why(self, t: Turn, field: str) -> None:
        t.say(F.WHY[field])
        t.ask()

    def _interrupt(self, t: Turn, intent: str) -> None:
        """Answer a question asked in passing, then return to the pending question."""
        t.answer(intent, suggest=False)
        if counts_as_answer(intent):
            t.state = t.state.with_(answers=t.state.answers + 1)
        self.resume(t)

    def _unanswered(self, t: Turn, match: MatchResult) -> None:
        """A question the bot cannot answer: say so (and record it), then resume."""
        t.not_understood(match)
        self.resume(t)

    def _invalid(self, t: Turn, problem: str) -> None:
        failures = t.form.failures + 1
        if failures >= MAX_FAILURES:
            t.update_form(failures=0)
            t.say("too_many_failures")
            t.ask()
            return
        t.update_form(failures=failures)
        pending = t.speaker.ask(t.form.field, t.state.turn, t.values)
        t.say(problem, extra=pending.buttons)
