// The pages' shared helpers: call the JSON API with the session's CSRF token, and say what
// happened in the live region (screen readers hear it too).
(function () {
  "use strict";
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

  function say(text, isError) {
    const box = document.getElementById("messages");
    if (!box) return;
    const line = document.createElement("p");
    line.textContent = text;
    if (isError) line.className = "error";
    box.replaceChildren(line);
  }

  // Resolves with the parsed JSON answer (or null for 204); rejects with the problem's detail.
  async function api(method, url, body, extraHeaders) {
    const headers = Object.assign({ "X-CSRF-Token": csrf(), Accept: "application/json" }, extraHeaders || {});
    const init = { method: method, headers: headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const detail = (data && (data.detail || data.title)) || response.statusText;
      const fields = data && data.errors ? " (" + data.errors.map((e) => e.field + ": " + e.reason).join("; ") + ")" : "";
      const error = new Error(detail + fields);
      error.status = response.status;
      error.problem = data;
      throw error;
    }
    return { data: data, etag: response.headers.get("ETag") };
  }

  // htmx's own requests (fragments) carry the token as well.
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrf();
  });

  window.hotline = { api: api, say: say, csrf: csrf };
})();
