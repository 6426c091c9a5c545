/*
 * IOP intake chat widget: one <script src=".../widget.js" async> tag puts a launcher and
 * a chat panel on a center's page. Plain JavaScript, no dependencies, no build step.
 *
 * Built for strict CSP hosts: no inline styles in markup, no eval, no third-party requests.
 * Everything lives in a shadow root so page CSS and widget CSS cannot reach each other.
 * Text is always rendered with text nodes; only http(s), mailto, tel and sms links are built.
 */
(() => {
  "use strict";

  const HOST_TAG = "iop-chat-widget";
  const script =
    document.currentScript ||
    document.querySelector('script[src$="/widget.js"], script[src$="widget.js"]') ||
    document.querySelector('script[src*="widget.js"]');
  if (!script || !script.src) return;

  const SCRIPT_URL = new URL(script.src, location.href);
  const DATA = script.dataset;
  const API = apiBase(DATA.api);
  const TITLE = clean(DATA.title, 60) || "Chat with us";
  const PHONE = clean(DATA.phone, 40);
  const POSITION = DATA.position === "left" ? "left" : "right";
  const STORE_ID = "iop-bot:conversation:" + API;
  const STORE_OPEN = "iop-bot:open:" + API;
  const TIMEOUT_MS = 20000;
  const KINDS = ["greeting", "answer", "question", "crisis", "fallback", "confirmation", "error"];
  const SVG_NS = "http://www.w3.org/2000/svg";
  const FULL_SCREEN = matchMedia("(max-width: 480px)"); // keep in step with widget.css
  const ICONS = {
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
    close: "M6 6l12 12M18 6L6 18",
    send: "M4 12l16-8-6 16-2.5-6.5z",
  };

  /** Trim an attribute value and cap its length, so page typos can't blow up the layout. */
  function clean(value, max) {
    return (value || "").trim().slice(0, max);
  }

  /** data-api if it is an http(s) URL, else the origin this script was served from. */
  function apiBase(value) {
    if (value) {
      try {
        const url = new URL(value, location.href);
        if (url.protocol === "https:" || url.protocol === "http:") {
          return url.href.replace(/\/+$/, "");
        }
      } catch (_) {
        /* fall through to the script's origin */
      }
    }
    return SCRIPT_URL.origin;
  }

  // ---- colour: keep text on the accent colour readable (WCAG 1.4.3, 4.5:1) ---------------

  function parseHex(value) {
    const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec((value || "").trim());
    if (!m) return null;
    const hex = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
    return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
  }

  function luminance(rgb) {
    const [r, g, b] = rgb.map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  function contrast(a, b) {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  }

  const toHex = (rgb) => "#" + rgb.map((c) => c.toString(16).padStart(2, "0")).join("");

  /** CSS custom properties for a data-color: the accent, text on it, and an ink for white. */
  function palette(value) {
    const accent = parseHex(value);
    if (!accent) return null;
    const white = [255, 255, 255];
    const dark = [17, 24, 39];
    let ink = accent;
    while (contrast(ink, white) < 4.5) ink = ink.map((c) => Math.floor(c * 0.9));
    return {
      "--iop-accent": toHex(accent),
      "--iop-on-accent": contrast(accent, white) >= 4.5 ? "#ffffff" : toHex(dark),
      "--iop-ink": toHex(ink),
    };
  }

  // ---- links: only http(s), mailto, tel and sms, built as elements, never as HTML ---------

  const TOKEN = new RegExp(
    [
      /(?<url>\bhttps?:\/\/[^\s<>"']+)/.source,
      /(?<email>\b(?:mailto:)?[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b)/.source,
      /(?<sms>\btext\s+(?<keyword>[a-z]+)\s+to\s+(?<shortcode>\d{5,6})\b)/.source,
      /(?<tel>(?:\+1[\s.-]?|\b1[\s.-]?)?(?:\(\d{3}\)\s?|\b\d{3}[\s.-]?)\d{3}[\s.-]?\d{4}\b)/.source,
      /(?<short>\b(?:988|911)\b)/.source,
    ].join("|"),
    "gi",
  );

  /** tel: URL for a North American number as written: 10 digits get +1, 3-digit codes stay. */
  function telHref(text) {
    const digits = text.replace(/\D/g, "");
    if (digits.length === 10) return "tel:+1" + digits;
    if (digits.length === 11 && digits[0] === "1") return "tel:+" + digits;
    return "tel:" + digits;
  }

  /** Split text into strings and {text, href, actions} link tokens. */
  function tokenize(text) {
    const out = [];
    let last = 0;
    for (const m of text.matchAll(TOKEN)) {
      const g = m.groups;
      let label = m[0];
      let link;
      if (g.url) {
        label = label.replace(/[.,;:!?)\]'"]+$/, "");
        try {
          const url = new URL(label);
          if (url.protocol !== "http:" && url.protocol !== "https:") continue;
          link = { href: url.href, actions: [] };
        } catch (_) {
          continue;
        }
      } else if (g.email) {
        const address = label.replace(/^mailto:/i, "");
        link = { href: "mailto:" + address, actions: [] };
      } else if (g.sms) {
        const href = "sms:" + g.shortcode + "?body=" + encodeURIComponent(g.keyword.toUpperCase());
        link = { href, actions: [{ label: label.replace(/^t/, "T"), href }] };
      } else {
        const href = telHref(label);
        const actions = [{ label: "Call " + label, href }];
        if (label === "988") actions.push({ label: "Text 988", href: "sms:988" });
        link = { href, actions };
      }
      if (m.index > last) out.push(text.slice(last, m.index));
      out.push({ text: label, ...link });
      last = m.index + label.length;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  }

  // ---- DOM helpers ---------------------------------------------------------------------

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === false || value == null) continue;
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  function icon(name) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name]);
    svg.append(path);
    return svg;
  }

  function link(token) {
    const a = el("a", { href: token.href, text: token.text });
    if (/^https?:/.test(token.href)) {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
    }
    return a;
  }

  /** A message's text with its links, plus the call/text actions its phone numbers imply. */
  function renderText(text, plain) {
    const body = el("p", { class: "text" });
    const actions = [];
    for (const part of plain ? [text] : tokenize(text)) {
      if (typeof part === "string") {
        body.append(part);
        continue;
      }
      body.append(link(part));
      for (const action of part.actions) {
        if (!actions.some((a) => a.href === action.href)) actions.push(action);
      }
    }
    return { body, actions };
  }

  // ---- storage: the conversation id and open flag only, never message text -------------

  const session = {
    get(key) {
      try {
        return sessionStorage.getItem(key);
      } catch (_) {
        return null; // storage disabled: the widget still works, without restore
      }
    },
    set(key, value) {
      try {
        if (value == null) sessionStorage.removeItem(key);
        else sessionStorage.setItem(key, value);
      } catch (_) {
        /* storage disabled or full */
      }
    },
  };

  // ---- API ---------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(reason, status) {
      super(reason);
      this.reason = reason; // "network" | "rate" | "gone" | "server"
      this.status = status;
    }
  }

  async function call(method, path, body) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    let res;
    try {
      res = await fetch(API + path, {
        method,
        headers: body ? { "Content-Type": "application/json" } : {},
        body: body ? JSON.stringify(body) : undefined,
        credentials: "omit",
        cache: "no-store",
        signal: controller.signal,
      });
    } catch (_) {
      throw new ApiError("network", 0);
    } finally {
      clearTimeout(timer);
    }
    let data = null;
    try {
      data = await res.json();
    } catch (_) {
      /* non-JSON error page from a proxy */
    }
    if (res.ok && data) return data;
    if (res.status === 429) throw new ApiError("rate", 429);
    if (res.status === 404) throw new ApiError("gone", 404);
    throw new ApiError("server", res.status);
  }

  /** Only well-formed messages reach the DOM; anything else from the wire is dropped. */
  function messagesOf(data) {
    const list = Array.isArray(data && data.messages) ? data.messages : [];
    return list
      .filter((m) => m && typeof m.text === "string")
      .map((m) => ({
        role: m.role === "visitor" ? "visitor" : "bot",
        text: m.text,
        kind: KINDS.includes(m.kind) ? m.kind : "answer",
        buttons: (Array.isArray(m.buttons) ? m.buttons : []).filter(
          (b) => b && typeof b.title === "string" && b.title,
        ),
      }));
  }

  const ERRORS = {
    network: "Sorry, we couldn't reach our assistant. Please check your connection and try again",
    rate:
      "You're sending messages faster than our assistant can answer. " +
      "Please wait a moment and try again",
    server: "Sorry, something went wrong on our side. Please try again in a moment",
  };

  function errorText(reason) {
    const base = ERRORS[reason] || ERRORS.server;
    return PHONE ? `${base}, or call us at ${PHONE}.` : `${base}, or please call us.`;
  }

  // ---- the widget ----------------------------------------------------------------------

  function build() {
    if (document.querySelector(HOST_TAG)) return; // the tag was pasted twice
    const host = document.createElement(HOST_TAG);
    const shadow = host.attachShadow({ mode: "open" });
    const colours = palette(DATA.color);
    if (colours) for (const [k, v] of Object.entries(colours)) host.style.setProperty(k, v);

    const css = el("link", { rel: "stylesheet", href: new URL("widget.css", SCRIPT_URL).href });
    const root = el("div", { class: "root pos-" + POSITION, hidden: true });
    // Show nothing until the stylesheet is in, so the page never flashes unstyled controls.
    css.addEventListener("load", () => (root.hidden = false));
    css.addEventListener("error", () => (root.hidden = false));

    const launcher = el(
      "button",
      {
        type: "button",
        class: "launcher",
        "aria-expanded": "false",
        "aria-controls": "iop-panel",
      },
      [icon("chat"), el("span", { text: TITLE })],
    );
    const close = el("button", { type: "button", class: "close", "aria-label": "Close chat" }, [
      icon("close"),
    ]);
    const notice = renderText(
      "Automated assistant, not a person, and not for emergencies. In an emergency, call 911.",
    ).body;
    notice.className = "notice";
    const log = el("div", {
      class: "log",
      role: "log",
      "aria-live": "polite",
      "aria-label": "Conversation",
      tabindex: "0",
    });
    const typing = el("div", { class: "typing", role: "status" });
    const input = el("input", {
      id: "iop-input",
      class: "input",
      type: "text",
      autocomplete: "off",
      maxlength: "1000",
      enterkeyhint: "send",
      placeholder: "Type your question…",
    });
    const send = el("button", { type: "submit", class: "send", "aria-label": "Send" }, [
      icon("send"),
    ]);
    const form = el("form", { class: "composer" }, [
      el("label", { for: "iop-input", class: "sr-only", text: "Type your question" }),
      input,
      send,
    ]);
    const panel = el(
      "div",
      { id: "iop-panel", class: "panel", role: "dialog", "aria-label": TITLE, hidden: true },
      [
        el("div", { class: "header" }, [el("h2", { class: "title", text: TITLE }), close]),
        notice,
        log,
        typing,
        form,
      ],
    );
    root.append(panel, launcher);
    shadow.append(css, root);

    let conversation = null; // Promise of the conversation id, shared by open and send
    let queue = Promise.resolve(); // visitor turns are sent one after another, in order
    let pending = 0;

    function scrollDown() {
      log.scrollTop = log.scrollHeight;
    }

    function setTyping(delta) {
      pending += delta;
      const on = pending > 0;
      if (on === typing.classList.contains("on")) return;
      typing.classList.toggle("on", on);
      // aria-busy asks screen readers to wait for the whole reply before reading it.
      if (on) log.setAttribute("aria-busy", "true");
      else log.removeAttribute("aria-busy");
      typing.replaceChildren();
      if (on) {
        typing.append(
          el("span", { class: "sr-only", text: "The assistant is typing…" }),
          el("span", { class: "dots", "aria-hidden": "true" }, [1, 2, 3].map(() => el("span"))),
        );
      }
      scrollDown();
    }

    function clearReplies() {
      const hadFocus = shadow.activeElement && shadow.activeElement.closest(".replies");
      for (const group of log.querySelectorAll(".replies")) group.remove();
      if (hadFocus) input.focus();
    }

    function addMessage(message, withButtons) {
      const who = message.role === "visitor" ? "You" : "Assistant";
      // Visitor text is shown as typed; only the assistant's text gets links.
      const { body, actions } = renderText(message.text, message.role === "visitor");
      body.prepend(el("span", { class: "sr-only", text: who + ": " }));
      const bubble = el("div", { class: `msg ${message.role} kind-${message.kind}` }, [body]);
      if (message.kind === "crisis" && actions.length) {
        bubble.append(
          el(
            "div",
            { class: "actions", role: "group", "aria-label": "Get help now" },
            actions.map((a) => el("a", { class: "action", href: a.href, text: a.label })),
          ),
        );
      }
      log.append(bubble);
      if (withButtons && message.buttons.length) {
        log.append(
          el(
            "div",
            { class: "replies", role: "group", "aria-label": "Suggested replies" },
            message.buttons.map((b) => {
              const button = el("button", { type: "button", class: "reply", text: b.title });
              // The title goes along so the transcript shows what the visitor saw.
              const body = b.payload
                ? { payload: String(b.payload), text: b.title }
                : { text: b.title };
              button.addEventListener("click", () => submit(body, b.title));
              return button;
            }),
          ),
        );
      }
      scrollDown();
      return bubble;
    }

    function addMessages(list) {
      list.forEach((m, i) => addMessage(m, i === list.length - 1));
    }

    function showError(reason) {
      addMessage({ role: "bot", kind: "error", text: errorText(reason), buttons: [] }, false);
    }

    async function start() {
      const data = await call("POST", "/api/v1/conversations");
      if (typeof data.conversation_id !== "string") throw new ApiError("server", 200);
      session.set(STORE_ID, data.conversation_id);
      return data;
    }

    /** Restore the stored conversation, or start one; renders what it gets. */
    async function restoreOrStart() {
      const stored = session.get(STORE_ID);
      if (stored) {
        try {
          const data = await call("GET", "/api/v1/conversations/" + encodeURIComponent(stored));
          addMessages(messagesOf(data));
          return stored;
        } catch (err) {
          if (err.reason !== "gone") throw err;
          session.set(STORE_ID, null);
        }
      }
      const data = await start();
      addMessages(messagesOf(data));
      return data.conversation_id;
    }

    /** Share one conversation between open and send; forget it if it could not be had. */
    function remember(promise) {
      conversation = promise;
      promise.catch(() => {
        if (conversation === promise) conversation = null;
      });
      return promise;
    }

    function ensureConversation() {
      if (conversation) return conversation;
      setTyping(1);
      return remember(restoreOrStart().finally(() => setTyping(-1)));
    }

    async function deliver(body, bubble, typed) {
      setTyping(1);
      try {
        const post = (id) =>
          call("POST", `/api/v1/conversations/${encodeURIComponent(id)}/messages`, body);
        let data;
        try {
          data = await post(await ensureConversation());
        } catch (err) {
          if (err.reason !== "gone") throw err;
          // The conversation expired on the server: carry on in a fresh one.
          session.set(STORE_ID, null);
          data = await post(await remember(start().then((d) => d.conversation_id)));
        }
        addMessages(messagesOf(data));
      } catch (err) {
        bubble.classList.add("failed");
        bubble.append(el("span", { class: "status", text: "Not sent" }));
        if (typed && !input.value) input.value = typed;
        showError(err instanceof ApiError ? err.reason : "network");
      } finally {
        setTyping(-1);
      }
    }

    function submit(body, shown, typed) {
      clearReplies();
      const bubble = addMessage({ role: "visitor", kind: "answer", text: shown, buttons: [] });
      queue = queue.then(() => deliver(body, bubble, typed));
    }

    /** On a phone the panel covers the page, so it is modal there: Tab cycles inside it. */
    function wrapTab(event) {
      const items = [...panel.querySelectorAll("a[href], button, input, [tabindex='0']")].filter(
        (node) => node.getClientRects().length > 0,
      );
      const active = shadow.activeElement;
      const [first, last] = [items[0], items[items.length - 1]];
      if (event.shiftKey ? active === first || !panel.contains(active) : active === last) {
        event.preventDefault();
        (event.shiftKey ? last : first).focus();
      }
    }

    function open(focus) {
      panel.setAttribute("aria-modal", String(FULL_SCREEN.matches));
      panel.hidden = false;
      root.classList.add("open");
      launcher.setAttribute("aria-expanded", "true");
      session.set(STORE_OPEN, "1");
      if (focus) input.focus();
      ensureConversation().catch((err) => showError(err.reason || "network"));
    }

    function shut() {
      panel.hidden = true;
      root.classList.remove("open");
      launcher.setAttribute("aria-expanded", "false");
      session.set(STORE_OPEN, null);
      launcher.focus();
    }

    launcher.addEventListener("click", () => (panel.hidden ? open(true) : shut()));
    close.addEventListener("click", shut);
    root.addEventListener("keydown", (event) => {
      if (panel.hidden) return;
      if (event.key === "Escape") {
        event.stopPropagation();
        shut();
      } else if (event.key === "Tab" && FULL_SCREEN.matches) {
        wrapTab(event);
      }
    });
    FULL_SCREEN.addEventListener("change", () =>
      panel.setAttribute("aria-modal", String(FULL_SCREEN.matches)),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      submit({ text }, text, text);
    });

    document.body.append(host);
    if (session.get(STORE_OPEN)) open(false); // keep the chat open across page navigation
  }

  if (document.body) build();
  else document.addEventListener("DOMContentLoaded", build, { once: true });
})();
