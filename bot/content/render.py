"""Sandboxed Jinja2 rendering of responses.

Response text is written by content editors, so templates run in Jinja2's
immutable sandbox: they can read ``center.*``, ``crisis.*`` and ``form.*`` but
cannot call into Python or change anything. Undefined variables are errors
(StrictUndefined) so a typo like ``{{ center.phon }}`` is caught by the content
checks instead of silently rendering as an empty string. Autoescaping is off:
the output is plain text and the web layer escapes it where it shows it.

Every template is compiled once, when the Renderer is built, so a syntax error
fails the (re)load with a file:line problem instead of failing a visitor's turn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from bot.content.loader import ContentError
from bot.content.models import Button, ContentPack, Problem, ResponseVariant


class RenderError(Exception):
    """A response could not be rendered; ``name`` says which one."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        self.message = message
        super().__init__(f"response '{name}': {message}")


@dataclass(frozen=True)
class _CompiledVariant:
    text: Template
    buttons: tuple[tuple[Template, str], ...]  # (title template, payload)


def _environment() -> ImmutableSandboxedEnvironment:
    # Jinja's default whitespace handling: what an editor writes is what renders, and
    # "{%- ... -%}" trims where they ask for it.
    return ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


class Renderer:
    """Renders a pack's responses; one instance per content pack, shared by all turns."""

    def __init__(self, pack: ContentPack) -> None:
        self._pack = pack
        self._base = pack.center.template_vars()
        env = _environment()
        problems: list[Problem] = []
        compiled: dict[str, tuple[_CompiledVariant, ...]] = {}
        for name, variants in pack.responses.items():
            out: list[_CompiledVariant] = []
            for index, variant in enumerate(variants):
                try:
                    out.append(
                        _CompiledVariant(
                            text=env.from_string(variant.text),
                            buttons=tuple(
                                (env.from_string(b.title), b.payload) for b in variant.buttons
                            ),
                        )
                    )
                except TemplateSyntaxError as exc:
                    problems.append(self._problem(name, index, exc.message or str(exc), exc.lineno))
            compiled[name] = tuple(out)
        if problems:
            raise ContentError(problems)
        self._compiled = compiled

    def has(self, name: str) -> bool:
        return name in self._compiled

    def render(
        self, name: str, turn: int, form: Mapping[str, Any] | None = None
    ) -> ResponseVariant:
        """Render variant ``turn % len(variants)`` of response ``name``.

        Rotating by turn keeps replies varied yet deterministic, so a conversation
        replays identically in tests.
        """
        variants = self._compiled.get(name)
        if not variants:
            raise RenderError(name, "no such response in the content pack")
        variant = variants[turn % len(variants)]
        context = {**self._base, "form": dict(form or {})}
        try:
            text = variant.text.render(context).strip()
            buttons = tuple(
                Button(title.render(context).strip(), payload) for title, payload in variant.buttons
            )
        except TemplateError as exc:
            raise RenderError(name, exc.message or str(exc)) from exc
        return ResponseVariant(text=text, buttons=buttons)

    def check(self, forms: Iterable[Mapping[str, Any]]) -> list[Problem]:
        """Render every variant of every response with each sample form; list what fails.

        This is how template mistakes that only show at render time (an unknown
        variable, a bad filter) are found when content loads rather than mid-chat.
        """
        samples = list(forms)
        problems: list[Problem] = []
        for name, variants in self._compiled.items():
            for index in range(len(variants)):
                for form in samples:
                    try:
                        self.render(name, index, form)
                    except RenderError as exc:
                        problems.append(self._problem(name, index, exc.message, None))
                        break
        return problems

    def _problem(self, name: str, index: int, message: str, lineno: int | None) -> Problem:
        file, line = self._pack.response_locations.get(name, ("responses", 0))
        where = f"response '{name}'"
        if len(self._pack.responses.get(name, ())) > 1:
            where += f" (variant {index + 1})"
        # The YAML position is the response's key; the template line only helps for
        # multi-line texts, so it is named in the message instead of guessed at.
        detail = f" (template line {lineno})" if lineno and lineno > 1 else ""
        return Problem(file, line, 1 if line else 0, f"{where}: {message}{detail}")
