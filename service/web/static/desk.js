// The adviser's desk: listens to /desk/events and swaps in the panels the server renders
// (/web/desk/panel/<name>) when an event says they changed; sends the adviser's actions to
// the JSON API (hotline.api: the session cookie and the CSRF header) and shows its problems
// in the live region. The ticking countdown is not announced; its start and end are.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("desk-data").textContent);
  const adviserId = data.adviser_id;

  function text(key, values) {
    let shown = data.texts[key] || key;
    Object.keys(values || {}).forEach(function (name) {
      shown = shown.split("{" + name + "}").join(String(values[name]));
    });
    return shown;
  }

  // An Idempotency-Key per click (crypto.randomUUID needs a secure context; this does not).
  function newKey() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // -- panels -------------------------------------------------------------------------

  const running = {};
  const again = {};

  // Fetch a panel and swap it in, unless it shows the same thing (a half-filled wrap-up
  // form is kept, with the call's new ETag). Asked again while a fetch runs, it fetches
  // once more after it: the running one may have read the state before the change.
  function refresh(name) {
    if (running[name]) {
      again[name] = true;
      return running[name];
    }
    running[name] = load(name).finally(function () {
      delete running[name];
      if (again[name]) {
        delete again[name];
        return refresh(name);
      }
    });
    return running[name];
  }

  // A page whose session has ended goes to sign in again (the panel answers a redirect).
  async function load(name) {
    const response = await fetch("/web/desk/panel/" + name, {
      credentials: "same-origin",
      redirect: "manual",
      headers: { Accept: "text/html" },
    });
    if (response.type === "opaqueredirect" || response.status === 401) {
      window.location.assign("/web/desk");
      return;
    }
    if (!response.ok) return;
    const holder = document.createElement("template");
    holder.innerHTML = (await response.text()).trim();
    const fresh = holder.content.querySelector(".panel-body");
    const section = document.querySelector('[data-panel="' + name + '"]');
    const current = section && section.querySelector(".panel-body");
    if (!fresh || !current) return;
    const key = fresh.getAttribute("data-key");
    if (key !== null && key === current.getAttribute("data-key")) {
      fresh.querySelectorAll("[data-call-id][data-etag]").forEach(function (article) {
        const shown = current.querySelector('[data-call-id="' + article.dataset.callId + '"][data-etag]');
        if (shown) shown.dataset.etag = article.dataset.etag;
      });
      return;
    }
    current.replaceWith(fresh);
    if (name === "offer") startCountdowns();
  }

  function refreshAll() {
    return Promise.all(["presence", "offer", "call", "tasks", "cases"].map(refresh));
  }

  // -- the countdown --------------------------------------------------------------------

  let ticker = null;

  function startCountdowns() {
    const timers = document.querySelectorAll("#offer [data-countdown]");
    if (ticker) clearInterval(ticker);
    ticker = null;
    if (!timers.length) return;
    const started = Date.now();
    timers.forEach(function (timer) {
      // The server said how many seconds were left: no trust in this machine's clock.
      timer.dataset.endsAt = String(started + Number(timer.dataset.countdown) * 1000);
    });
    const first = timers[0].closest(".offer");
    const line = first ? first.querySelector(".offer-line").textContent : "";
    hotline.say(text("desk.offer.announce", { line: line, seconds: timers[0].dataset.countdown }));
    ticker = setInterval(function () {
      let running = 0;
      document.querySelectorAll("#offer [data-countdown]").forEach(function (timer) {
        const left = Math.max(0, Math.round((Number(timer.dataset.endsAt) - Date.now()) / 1000));
        timer.textContent = text("desk.offer.seconds_left", { seconds: left });
        if (left > 0) {
          running += 1;
        } else if (!timer.dataset.expired) {
          timer.dataset.expired = "true";
          timer.closest(".offer").querySelectorAll("button").forEach((b) => (b.disabled = true));
          hotline.say(text("desk.offer.expired"));
        }
      });
      if (!running) {
        clearInterval(ticker);
        ticker = null;
      }
    }, 1000);
  }

  // -- errors ---------------------------------------------------------------------------

  function clearFieldErrors(form) {
    form.querySelectorAll(".field-error").forEach((node) => node.remove());
    form.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
  }

  // A problem's field errors beside their fields, and all of it in the live region.
  function showProblem(error, form) {
    const problem = error.problem || {};
    const fields = problem.errors || [];
    const lines = fields.map((e) => text("desk.error.field", { field: labelOf(form, e.field), reason: e.reason }));
    if (form) {
      clearFieldErrors(form);
      fields.forEach(function (e, index) {
        const holder = form.querySelector('[data-field="' + e.field + '"]');
        if (!holder) return;
        const note = document.createElement("p");
        note.className = "error field-error";
        note.id = form.id + "-error-" + index;
        note.textContent = e.reason;
        const legend = holder.querySelector("legend");
        holder.insertBefore(note, legend ? legend.nextSibling : null);
        holder.querySelectorAll("input, select, textarea").forEach(function (control) {
          control.setAttribute("aria-invalid", "true");
          const described = control.getAttribute("aria-describedby");
          control.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
        });
      });
    }
    const reason = lines.length ? lines.join("; ") : problem.detail || problem.title || error.message;
    hotline.say(text("desk.error.action", { reason: reason }), true);
  }

  function labelOf(form, field) {
    if (!form) return field;
    const holder = form.querySelector('[data-field="' + field + '"]');
    const label = holder && holder.querySelector("legend, label");
    return label ? label.textContent.trim() : field;
  }

  // -- actions --------------------------------------------------------------------------

  const SAID = {
    accept: "desk.call.accepted",
    reject: "desk.call.rejected",
    hold: "desk.call.held",
    resume: "desk.call.resumed",
    end: "desk.call.ended",
    close: "desk.call.closed",
  };

  async function act(verb, callId, body, form) {
    const headers = { "Idempotency-Key": newKey() };
    // The wrap-up form closes the call as the page showed it (412 if someone changed its
    // record meanwhile, rather than overwrite that). The other steps are held by the
    // call's state alone: a priority set while the call is offered must not stop accept.
    const article = document.querySelector('[data-call-id="' + callId + '"][data-etag]');
    if (verb === "close" && article && article.dataset.etag) headers["If-Match"] = article.dataset.etag;
    try {
      await hotline.api("POST", "/calls/" + callId + "/" + verb, Object.assign({ adviser_id: adviserId }, body || {}), headers);
      hotline.say(text(SAID[verb]));
    } catch (error) {
      showProblem(error, form);
      if (error.status !== 422) await refreshAll();
      return;
    }
    await Promise.all([refresh("offer"), refresh("call"), refresh("presence")]);
    if (verb === "close") await Promise.all([refresh("tasks"), refresh("cases")]);
    focusAfter(verb, callId);
  }

  // The button pressed is gone with its panel: keyboard and screen reader users go on
  // where the call now is (its next buttons, the wrap-up form), or to the panel's heading.
  function focusAfter(verb, callId) {
    const call = document.getElementById("call-" + callId);
    let target = null;
    if (call && (verb === "accept" || verb === "hold" || verb === "resume")) target = call.querySelector("button");
    if (call && verb === "end") target = call.querySelector("select, input, textarea");
    if (!target) {
      target = document.getElementById(verb === "reject" ? "offer-title" : "call-title");
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
  }

  async function setPresence(presence, reason) {
    const body = { presence: presence };
    if (reason) body.reason = reason;
    try {
      await hotline.api("PUT", "/advisers/" + adviserId + "/presence", body);
    } catch (error) {
      showProblem(error, document.getElementById("break-form"));
      return;
    }
    await Promise.all([refresh("presence"), refresh("offer")]);
    const now = document.getElementById("presence-now");
    if (now) hotline.say(text("desk.presence.changed", { presence: now.textContent.trim() }));
  }

  function wrapUp(form) {
    const value = (name) => {
      const control = form.elements.namedItem(name);
      return control && control.value ? control.value : null;
    };
    const ticked = (name) => Array.from(form.querySelectorAll('input[name="' + name + '"]:checked'), (box) => box.value);
    const body = {
      caller_type: value("caller_type"),
      sector: value("sector"),
      workplace_size: value("workplace_size"),
      issue_categories: ticked("issue_categories"),
      advice: ticked("advice"),
      stress_reported: form.querySelector('input[name="stress_reported"]').checked,
      notes: value("notes"),
    };
    return body;
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-action], button[data-presence]");
    if (!button || button.disabled) return;
    event.preventDefault();
    button.disabled = true;
    const done = () => (button.disabled = false);
    if (button.dataset.action) {
      act(button.dataset.action, button.dataset.callId).finally(done);
    } else {
      setPresence(button.dataset.presence).finally(done);
    }
  });

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.id === "break-form") {
      event.preventDefault();
      setPresence("break", form.elements.namedItem("reason").value.trim());
    } else if (form.classList.contains("wrapup")) {
      event.preventDefault();
      clearFieldErrors(form);
      const submit = form.querySelector('button[type="submit"]');
      submit.disabled = true;
      act("close", form.dataset.callId, wrapUp(form), form).finally(() => (submit.disabled = false));
    }
  });

  // -- the stream -----------------------------------------------------------------------

  const state = document.getElementById("stream-state");
  function showState(name) {
    state.dataset.state = name;
    state.textContent = text(name === "live" ? "desk.stream.live" : "desk.stream.lost");
    state.className = "badge " + (name === "live" ? "ok" : "warn");
  }

  let lost = false;
  let events = null;
  const handlers = {
    offer: function () {
      refresh("offer");
      refresh("presence");
    },
    offer_cancelled: function (payload) {
      const shown = document.getElementById("offer-" + payload.call_id);
      // A reject is the adviser's own, and a time-out is said by the countdown.
      if (shown && payload.reason !== "rejected" && payload.reason !== "timed_out") hotline.say(text("desk.offer.gone"));
      refresh("offer");
      refresh("presence");
    },
    call_changed: function (payload) {
      refresh("offer");
      refresh("call");
      if (payload.status === "closed") {
        refresh("tasks");
        refresh("cases");
      }
    },
    presence: function () {
      refresh("presence");
    },
    task_due: function () {
      hotline.say(text("desk.tasks.due"));
      refresh("tasks");
    },
    queue: function (payload) {
      (payload.lines || []).forEach(function (line) {
        const row = document.querySelector('#queue tr[data-line="' + line.line + '"]');
        if (!row) return;
        row.querySelector("[data-waiting]").textContent = String(line.waiting);
        row.querySelector("[data-longest]").textContent = line.longest_wait_s === null ? "–" : Math.round(line.longest_wait_s) + " s";
      });
    },
  };

  function connect() {
    const source = new EventSource("/desk/events");
    events = source;
    source.addEventListener("open", function () {
      showState("live");
      if (lost) hotline.say(text("desk.stream.back"));
      lost = false;
      // Whatever happened before the stream began (or while it was away) is on the panels.
      refreshAll();
    });
    source.addEventListener("error", function () {
      if (!lost) showState("lost");
      lost = true;
      if (source.readyState === EventSource.CLOSED) {
        // The browser gives up on an answer that is no stream (a 401 once the session
        // ended, a 503): a panel's answer says whether to sign in; else try again later.
        refresh("presence");
        setTimeout(connect, 5000);
      }
    });
    Object.keys(handlers).forEach(function (type) {
      source.addEventListener(type, function (message) {
        handlers[type](message.data ? JSON.parse(message.data) : {});
      });
    });
  }

  connect();
  window.addEventListener("pagehide", () => events && events.close());

  startCountdowns();
})();
