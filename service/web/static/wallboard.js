// The wallboard's panel is polled by htmx. When the session has ended, the poll is sent to
// the sign-in page: go there as a whole page instead of drawing it inside the panel.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    const xhr = event.detail.xhr;
    if (xhr && xhr.responseURL && xhr.responseURL.indexOf("/web/signin") !== -1) {
      event.detail.shouldSwap = false;
      window.location.assign(xhr.responseURL);
    }
  });
})();
