"""Checks on responses: they render, their buttons lead somewhere, they are used, crisis replies
name the crisis numbers.

Rendering uses the same sandboxed Renderer as the live bot, with sample form
values from the assessment form, so a response that passes here cannot fail in
a visitor's chat because of a variable.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import replace
from typing import Any

from jinja2 import Environment, TemplateSyntaxError, meta, nodes
from rapidfuzz import fuzz, process

from bot.content.loader import ContentError
from bot.content.models import ContentPack, Problem
from bot.content.render import Renderer, RenderError
from bot.editor.locate import Locator

# What each crisis reply must tell the visitor (errors), and should (warnings).
CRISIS_REQUIRED: dict[str, tuple[str, ...]] = {
    "crisis_self_harm": ("lifeline", "emergency"),
    "medical_emergency": ("emergency",),
}
CRISIS_RECOMMENDED: dict[str, tuple[str, ...]] = {
    "crisis_self_harm": ("text_line_number", "text_line_keyword"),
    "medical_emergency": ("poison_control",),
}
_TOP_LEVEL = ("center", "crisis", "form")


def _attributes(template: nodes.Template) -> Iterator[tuple[str, str]]:
    """Every ``center.x`` / ``crisis.x`` / ``form.x`` the template reads."""
    for node in template.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name) and node.node.name in _TOP_LEVEL:
            yield node.node.name, node.attr


def _suggest(word: str, known: Collection[str]) -> str:
    """ "; did you mean 'x'?" for a misspelling ("phon") or a longer name ("phone_number")."""
    choices = list(known)
    best = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=70)
    if best is None:
        best = process.extractOne(
            word,
            choices,
            scorer=fuzz.token_set_ratio,
            processor=lambda s: s.replace("_", " "),
            score_cutoff=90,
        )
    return f"; did you mean '{best[0]}'?" if best else ""


class ResponseChecks:
    """The response checks of one pack; ``forms`` are sample ``form.*`` values to render with."""

    def __init__(self, pack: ContentPack, forms: list[dict[str, Any]]) -> None:
        self.pack = pack
        self.forms = forms or [{}]
        self.locator = Locator()
        self.env = Environment(autoescape=True)  # only parses, to read the variables used
        known = pack.center.template_vars()
        self.known: dict[str, set[str]] = {
            "center": set(known["center"]),
            "crisis": set(known["crisis"]),
            "form": {k for f in self.forms for k in f},
        }

    def _at(self, name: str, path: tuple[str | int, ...], message: str, severity: str) -> Problem:
        file, line = self.pack.response_locations.get(name, ("responses", 0))
        found, col = self.locator.find(file, ("responses", name, *path))
        return Problem(file, found or line, col, message, severity)

    def _label(self, name: str, index: int) -> str:
        many = len(self.pack.responses.get(name, ())) > 1
        return f"response '{name}'" + (f" (variant {index + 1})" if many else "")

    def variables(self) -> Iterator[Problem]:
        """Syntax errors, unknown names and misspelled ``center.*`` / ``crisis.*`` / ``form.*``."""
        for name, variants in self.pack.responses.items():
            for index, variant in enumerate(variants):
                sources: list[tuple[tuple[str | int, ...], str]] = [(("text",), variant.text)]
                sources += [
                    (("buttons", i, "title"), b.title) for i, b in enumerate(variant.buttons)
                ]
                for part, source in sources:
                    try:
                        tree = self.env.parse(source)
                        self.env.compile(tree)  # unknown filters and tests fail here
                    except TemplateSyntaxError as exc:
                        detail = f" (line {exc.lineno} of the text)" if exc.lineno > 1 else ""
                        yield self._at(
                            name,
                            (index, *part),
                            f"{self._label(name, index)}: {exc.message or exc}{detail}",
                            "error",
                        )
                        continue
                    unknown = meta.find_undeclared_variables(tree) - {
                        *_TOP_LEVEL,
                        *self.env.globals,
                    }
                    for top in sorted(unknown):
                        yield self._at(
                            name,
                            (index, *part),
                            f"{self._label(name, index)}: '{{{{ {top} }}}}' is not a known "
                            "variable; use center.*, crisis.* or form.*",
                            "error",
                        )
                    for top, attr in _attributes(tree):
                        if attr not in self.known[top]:
                            yield self._at(
                                name,
                                (index, *part),
                                f"{self._label(name, index)}: '{{{{ {top}.{attr} }}}}' is not a "
                                f"known variable{_suggest(attr, self.known[top])}",
                                "error",
                            )

    def render(self) -> Iterator[Problem]:
        """Render every variant with every sample form, one response at a time.

        One Renderer per response keeps a broken response from hiding the problems
        of all the others.
        """
        for name, variants in self.pack.responses.items():
            try:
                renderer = Renderer(replace(self.pack, responses={name: variants}))
            except ContentError:
                continue  # a syntax error, reported by variables() at the variant's line
            for index in range(len(variants)):
                for form in self.forms:
                    try:
                        renderer.render(name, index, form)
                    except RenderError as exc:
                        yield self._at(
                            name,
                            (index, "text"),
                            f"{self._label(name, index)} does not render: {exc.message}",
                            "error",
                        )
                        break

    def buttons(self, commands: Collection[str] = ()) -> Iterator[Problem]:
        """A button's payload must name an intent (or a command the dialogue understands)."""
        for name, variants in self.pack.responses.items():
            for index, variant in enumerate(variants):
                for b_index, button in enumerate(variant.buttons):
                    target = button.payload.removeprefix("/")
                    if target in self.pack.intents or target in commands:
                        continue
                    yield self._at(
                        name,
                        (index, "buttons", b_index, "payload"),
                        f"{self._label(name, index)}: button '{button.title}' leads to "
                        f"'{button.payload}', but there is no intent '{target}'"
                        f"{_suggest(target, self.pack.intents)}",
                        "error",
                    )

    def usage(self, dialogue_responses: Collection[str]) -> Iterator[Problem]:
        """Responses the dialogue needs must exist; responses nothing uses are dead text."""
        used = {i.response for i in self.pack.intents.values()} | set(dialogue_responses)
        for name in sorted(set(dialogue_responses) - set(self.pack.responses)):
            yield Problem(
                "responses",
                0,
                0,
                f"response '{name}' is missing: the conversation itself uses it",
                "error",
            )
        for name in self.pack.responses:
            if name not in used:
                yield self._at(
                    name,
                    (),
                    f"response '{name}' is not used by any intent or by the conversation; "
                    f"remove it or point an intent at it with 'response: {name}'",
                    "warning",
                )

    def crisis(self) -> Iterator[Problem]:
        """Each crisis reply, in every variant, must name the crisis numbers by variable."""
        for name, required in CRISIS_REQUIRED.items():
            variants = self.pack.responses.get(name)
            if not variants:
                yield Problem(
                    "responses",
                    0,
                    0,
                    f"response '{name}' is missing: crisis replies need it",
                    "error",
                )
                continue
            for index, variant in enumerate(variants):
                try:
                    used = {
                        a for t, a in _attributes(self.env.parse(variant.text)) if t == "crisis"
                    }
                except TemplateSyntaxError:
                    continue
                for severity, wanted in (
                    ("error", required),
                    ("warning", CRISIS_RECOMMENDED.get(name, ())),
                ):
                    for attr in wanted:
                        if attr not in used:
                            yield self._at(
                                name,
                                (index, "text"),
                                f"{self._label(name, index)} does not mention "
                                f"{{{{ crisis.{attr} }}}}; a visitor in crisis needs that number",
                                severity,
                            )


def check_responses(
    pack: ContentPack,
    forms: list[dict[str, Any]],
    dialogue_responses: Collection[str],
    commands: Collection[str] = (),
) -> list[Problem]:
    """Every response finding, in file order."""
    checks = ResponseChecks(pack, forms)
    found = [
        *checks.variables(),
        *checks.render(),
        *checks.buttons(commands),
        *checks.usage(dialogue_responses),
        *checks.crisis(),
    ]
    return _unique(found)


def _unique(problems: list[Problem]) -> list[Problem]:
    """Drop a render failure when the variable check already explained the same line."""
    explained = {(p.file, p.line) for p in problems if "is not a known variable" in p.message}
    seen: set[Problem] = set()
    out = []
    for p in problems:
        if "does not render" in p.message and (p.file, p.line) in explained:
            continue
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out
