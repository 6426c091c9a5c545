"""The widget as visitors meet it: the real server, a real SQLite file, real headless Chromium.

Every page here is watched (see conftest.Watch): a request to any origin other than the test
servers, a console error or a CSP violation fails the test.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, Route, expect

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import OpenPage, Sites, Widget

    from bot.content import Center

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


async def open_demo(
    open_page: OpenPage, sites: Sites, widget: Callable[..., Widget], **options: Any
) -> tuple[Page, Widget]:
    page, _ = await open_page(**options)
    await page.goto(sites.bot.url + "/")
    return page, widget(page)


async def test_keyboard_visitor_opens_the_widget_and_gets_answers(
    open_page: OpenPage, sites: Sites, widget: Callable[..., Widget], center: Center
) -> None:
    page, w = await open_demo(open_page, sites, widget)
    # The live region exists before any message, so screen readers announce the first one.
    await expect(page.locator("[role=log][aria-live=polite]")).to_have_count(1)
    await expect(w.launcher).to_have_attribute("aria-expanded", "false")
    await expect(w.panel).to_be_hidden()

    await w.tab_to_launcher()
    await page.keyboard.press("Enter")
    await expect(w.panel).to_be_visible()
    await expect(w.input).to_be_focused()
    await expect(w.launcher).to_have_attribute("aria-expanded", "true")
    panel_id = await w.panel.get_attribute("id")
    await expect(w.launcher).to_have_attribute("aria-controls", panel_id or "?")
    await expect(w.panel.get_by_text("not for emergencies")).to_be_visible()

    await w.settled()
    await expect(w.bot_messages.first).to_contain_text(center.name)
    await expect(w.bot_messages.first).to_have_class("msg bot kind-greeting")

    replies = await w.choose("What is IOP?")
    assert any("IOP stands for Intensive Outpatient Program" in r for r in replies), replies
    await expect(w.visitor_messages.last).to_have_text("You: What is IOP?")
    await expect(w.input).to_be_focused()  # the clicked button went away; focus did not

    replies = await w.ask("how many hours a week is it?")
    assert any("about 15 hours" in r for r in replies), replies
    replies = await w.ask("how long does the program last")
    assert any("2 to 3 months" in r for r in replies), replies
    replies = await w.ask("where are you located")
    assert any(center.city in r for r in replies), replies
    phone_link = w.bot_messages.last.get_by_role("link", name=center.phone)
    await expect(phone_link).to_have_attribute("href", "tel:" + center.phone_e164)


async def test_assessment_request_is_saved_and_the_chat_survives_a_reload(
    open_page: OpenPage, sites: Sites, widget: Callable[..., Widget]
) -> None:
    page, w = await open_demo(open_page, sites, widget)
    await w.open()

    replies = await w.choose("Request an assessment")
    assert any("for you or for someone you care about" in r for r in replies), replies
    # Quick replies are real buttons: reach "For me" from the input with Shift+Tab.
    await w.input.focus()
    await page.keyboard.press("Shift+Tab")
    await page.keyboard.press("Shift+Tab")
    await expect(w.replies.get_by_text("For me", exact=True)).to_be_focused()
    await page.keyboard.press("Enter")
    await w.settled()
    await expect(w.bot_messages.last).to_contain_text("first name")

    assert any("phone number or email" in r for r in await w.ask("Sam"))
    assert any("How would you like" in r for r in await w.ask("207-555-0199"))
    assert any("best time" in r for r in await w.choose("Phone call"))
    assert any("voicemail" in r for r in await w.choose("Morning"))
    assert any("insurance" in r for r in await w.choose("Yes"))
    assert any("contact you" in r for r in await w.choose("Skip"))
    summary = await w.choose("Yes, you may contact me")
    assert any("Sam" in r and "Is this correct?" in r for r in summary), summary
    done = await w.choose("Yes, send it")
    assert any("Your request has been sent" in r for r in done), done

    with sqlite3.connect(sites.bot.db_path) as db:
        rows = db.execute(
            "SELECT for_whom, contact_method, first_name_enc, phone_enc, consent_at"
            " FROM assessment_requests"
        ).fetchall()
    assert len(rows) == 1, rows
    for_whom, method, name_enc, phone_enc, consent_at = rows[0]
    assert "self" in for_whom and "call" in method and consent_at
    assert "Sam" not in name_enc and "0199" not in phone_enc  # encrypted at rest

    # The browser keeps only the conversation id: no message text, no cookies.
    stored = await page.evaluate("() => JSON.stringify({...sessionStorage, ...localStorage})")
    assert "Sam" not in stored and "0199" not in stored and "IOP" not in stored
    assert await page.context.cookies() == []

    transcript = await w.log.locator(".msg").all_inner_texts()
    await page.reload()
    await expect(w.panel).to_be_visible()  # it was open, so it stays open
    await w.settled()
    assert await w.log.locator(".msg").all_inner_texts() == transcript

    await page.goto(sites.bot.url + "/?another-page")
    await w.settled()
    assert await w.log.locator(".msg").all_inner_texts() == transcript


async def test_crisis_message_is_distinct_and_offers_tappable_help(
    open_page: OpenPage, sites: Sites, widget: Callable[..., Widget]
) -> None:
    page, w = await open_demo(open_page, sites, widget)
    await w.open()
    await w.ask("i want to kill myself")

    crisis = page.locator(".msg.kind-crisis").last
    await expect(crisis).to_be_visible()
    help_now = crisis.get_by_role("group", name="Get help now")
    for name, href in [
        ("Call 988", "tel:988"),
        ("Text 988", "sms:988"),
        ("Call 911", "tel:911"),
        ("Text HOME to 741741", "sms:741741?body=HOME"),
    ]:
        await expect(help_now.get_by_role("link", name=name)).to_have_attribute("href", href)
    crisis_bg = await crisis.evaluate("e => getComputedStyle(e).backgroundColor")
    greeting_bg = await w.bot_messages.first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert crisis_bg != greeting_bg


async def test_escape_and_close_return_focus_to_the_launcher(
    open_page: OpenPage, sites: Sites, widget: Callable[..., Widget]
) -> None:
    page, w = await open_demo(open_page, sites, widget)
    await w.open()
    await w.replies.first.focus()
    await page.keyboard.press("Escape")
    await expect(w.panel).to_be_hidden()
    await expect(w.launcher).to_be_focused()
    await expect(w.launcher).to_have_attribute("aria-expanded", "false")

    await page.keyboard.press("Enter")
    await expect(w.input).to_be_focused()
    await page.get_by_role("button", name="Close chat").click()
    await expect(w.panel).to_be_hidden()
    await expect(w.launcher).to_be_focused()

    await page.reload()  # closed stays closed
    await expect(w.launcher).to_be_visible()
    await expect(w.panel).to_be_hidden()


async def test_hostile_host_css_breaks_nothing_and_cross_origin_embed_works(
    open_page: OpenPage, sites: Sites, widget: Callable[..., Widget], artifacts: Path
) -> None:
    page, _ = await open_page()
    await page.goto(sites.host + "/hostile")
    # The page's CSS really is hostile: it hides the page's own buttons.
    await expect(page.locator("main button")).to_be_hidden()

    w = widget(page, title="Ask us")
    await expect(w.launcher).to_be_visible()
    box = await w.launcher.bounding_box()
    assert box and box["x"] < 100 and box["height"] >= 44  # data-position="left"
    style = await w.launcher.evaluate(
        "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]"
    )
    # data-color="#ffd60a" is too light for white text, so the text is dark.
    assert style == ["rgb(255, 214, 10)", "rgb(17, 24, 39)"]

    await w.launcher.click()
    await expect(w.input).to_be_focused()
    font = await w.input.evaluate("i => [getComputedStyle(i).fontSize, getComputedStyle(i).color]")
    assert font == ["16px", "rgb(27, 37, 48)"]
    await w.settled()
    replies = await w.ask("what is iop")
    assert any("Intensive Outpatient Program" in r for r in replies), replies
    await page.screenshot(path=artifacts / "hostile-host-page.png")


async def test_the_tag_pasted_twice_makes_one_widget(
    open_page: OpenPage, sites: Sites, widget: Callable[..., Widget]
) -> None:
    page, _ = await open_page()
    await page.goto(sites.host + "/twice")
    w = widget(page, title="Chat with us")
    await w.open()
    await expect(page.locator("iop-chat-widget")).to_have_count(1)
    await expect(w.bot_messages).to_have_count(1)


async def test_rate_limit_shows_a_polite_message_with_the_phone_number(
    open_page: OpenPage,
    serve_bot: Callable[..., Any],
    widget: Callable[..., Widget],
    center: Center,
) -> None:
    async with serve_bot(rate_limit_conversation="2/minute") as bot:
        page, watch = await open_page(origins=(bot.url,))
        watch.allow(r"status of 429")
        await page.goto(bot.url + "/")
        w = widget(page)
        await w.open()
        errors = page.locator(".msg.kind-error")
        for attempt in range(5):
            await w.ask(f"how long is the program {attempt}")
            if await errors.count():
                break
        await expect(errors.last).to_contain_text("Please wait a moment and try again")
        await expect(errors.last.get_by_role("link", name=center.phone)).to_have_attribute(
            "href", "tel:" + center.phone_e164
        )
        await expect(w.visitor_messages.last).to_contain_text("Not sent")
        await expect(w.input).to_have_value(f"how long is the program {attempt}")


async def test_network_error_shows_a_polite_message_and_retry_works(
    open_page: OpenPage, sites: Sites, widget: Callable[..., Widget], center: Center
) -> None:
    page, watch = await open_page()
    watch.allow(r"Failed to load resource: net::ERR_INTERNET_DISCONNECTED")
    await page.goto(sites.host + "/plain")  # data-phone given by the center's own page
    w = widget(page, title="Chat with us")
    await w.open()

    async def offline(route: Route) -> None:
        await route.abort("internetdisconnected")

    await page.route("**/api/v1/conversations/*/messages", offline)
    await w.ask("what is iop")
    error = page.locator(".msg.kind-error").last
    await expect(error).to_contain_text("couldn't reach our assistant")
    await expect(error).to_contain_text(center.phone)
    await expect(w.input).to_have_value("what is iop")

    await page.unroute("**/api/v1/conversations/*/messages", offline)
    before = await w.bot_messages.count()
    await w.input.press("Enter")
    await w.settled()
    await expect(w.bot_messages.nth(before)).to_contain_text("Intensive Outpatient Program")


async def test_a_lost_conversation_quietly_starts_afresh(
    open_page: OpenPage, sites: Sites, widget: Callable[..., Widget]
) -> None:
    page, watch = await open_page()
    watch.allow(r"status of 404")
    await page.goto(sites.bot.url + "/")
    # A stored id the server doesn't know (purged, or from another database).
    key = f"iop-bot:conversation:{sites.bot.url}"
    await page.evaluate("k => sessionStorage.setItem(k, 'gone0000000000000000000000')", key)
    w = widget(page)
    await w.open()
    await expect(w.bot_messages.first).to_have_class("msg bot kind-greeting")
    assert any(url.endswith("/conversations/gone0000000000000000000000") for url in watch.requests)
    first_id = await page.evaluate("k => sessionStorage.getItem(k)", key)
    assert first_id and not first_id.startswith("gone")

    # The conversation vanishes between two messages: the next one goes to a fresh one.
    async def vanished(route: Route) -> None:
        await route.fulfill(
            status=404,
            content_type="application/json",
            body='{"error": {"code": "conversation_not_found", "message": "gone"}}',
        )

    await page.route("**/api/v1/conversations/*/messages", vanished, times=1)
    replies = await w.ask("what is iop")
    assert any("Intensive Outpatient Program" in r for r in replies), replies
    assert await page.evaluate("k => sessionStorage.getItem(k)", key) not in (None, first_id)
    await expect(page.locator(".msg.kind-error")).to_have_count(0)


async def test_bot_text_is_never_markup_and_only_safe_links_are_built(
    open_page: OpenPage, sites: Sites, widget: Callable[..., Widget]
) -> None:
    """Even if a content editor's text held markup, the widget shows it as text."""
    page, w = await open_demo(open_page, sites, widget)
    await w.open()
    text = (
        '<img src=x onerror="window.pwned=1">Try javascript:alert(1) or '
        "https://example.org/a?b=1. Mail help@example.org, call 1-800-222-1222."
    )
    reply = {
        "messages": [
            {"text": text, "kind": "answer", "buttons": [{"title": "<b>x</b>", "payload": "/x"}]}
        ]
    }

    async def hostile(route: Route) -> None:
        await route.fulfill(status=200, content_type="application/json", body=json.dumps(reply))

    await page.route("**/api/v1/conversations/*/messages", hostile)
    await w.ask("hello")
    last = w.bot_messages.last
    await expect(last).to_contain_text('<img src=x onerror="window.pwned=1">')
    assert await page.locator("iop-chat-widget img").count() == 0
    assert await page.evaluate("() => window.pwned") is None
    hrefs = await last.locator("a").evaluate_all("as => as.map(a => [a.href, a.target, a.rel])")
    assert hrefs == [
        ["https://example.org/a?b=1", "_blank", "noopener noreferrer"],
        ["mailto:help@example.org", "", ""],
        ["tel:+18002221222", "", ""],
    ]
    await expect(w.replies.first).to_have_text("<b>x</b>")


async def test_no_serious_accessibility_violations(
    open_page: OpenPage, sites: Sites, widget: Callable[..., Widget]
) -> None:
    page, watch = await open_page()
    await page.goto(sites.bot.url + "/")
    w = widget(page)
    await w.open()
    await w.choose("What is IOP?")
    await w.ask("i want to kill myself")
    assert watch.problems() == []
    # axe-core itself adds a <style> element, which the page's CSP rightly refuses.
    watch.allow(r"inline style violates|CSP violation: style-src-elem blocked inline")
    results = await Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, results.generate_report()


async def test_reduced_motion_turns_animation_off(
    open_page: OpenPage, sites: Sites, widget: Callable[..., Widget]
) -> None:
    for preference, expected in [("reduce", "none"), ("no-preference", "iop-rise")]:
        _, w = await open_demo(open_page, sites, widget, reduced_motion=preference)
        await w.launcher.click()
        animation = await w.panel.evaluate("p => getComputedStyle(p).animationName")
        assert animation == expected
        await w.settled()


async def test_screenshots_and_phone_full_screen(
    open_page: OpenPage, sites: Sites, widget: Callable[..., Widget], artifacts: Path
) -> None:
    page, w = await open_demo(open_page, sites, widget, viewport=DESKTOP)
    await page.screenshot(path=artifacts / "desktop-closed.png")
    await w.open()
    await expect(w.panel).to_have_attribute("aria-modal", "false")
    await w.choose("How many hours a week?")
    for button in await page.locator("iop-chat-widget button").all():
        box = await button.bounding_box()
        assert box is None or (box["width"] >= 24 and box["height"] >= 24)
    await page.screenshot(path=artifacts / "desktop-open.png")

    page, w = await open_demo(open_page, sites, widget, viewport=PHONE, touch=True)
    await page.screenshot(path=artifacts / "phone-closed.png")
    await w.open()
    box = await w.panel.bounding_box()
    assert box == {"x": 0, "y": 0, "width": PHONE["width"], "height": PHONE["height"]}
    await expect(w.launcher).to_be_hidden()  # covered by the full-screen panel
    for button in await page.locator("iop-chat-widget button").all():
        box = await button.bounding_box()
        assert box is None or (box["width"] >= 44 and box["height"] >= 44), box
    await w.ask("i want to kill myself")
    await page.screenshot(path=artifacts / "phone-open.png")
    # Full screen, the panel is modal: Tab wraps around inside it instead of reaching the
    # page hidden behind it (WCAG 2.4.11, focus not obscured).
    await expect(w.panel).to_have_attribute("aria-modal", "true")
    send = page.get_by_role("button", name="Send")
    await send.focus()
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Close chat")).to_be_focused()
    await page.keyboard.press("Shift+Tab")
    await expect(send).to_be_focused()
    await page.get_by_role("button", name="Close chat").click()
    await expect(w.launcher).to_be_focused()
