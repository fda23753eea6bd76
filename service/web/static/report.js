// The publishable switch shows its figures at once: flipping it sends the report's form
// (the same week and line), without waiting for the button.
(function () {
  "use strict";
  const form = document.getElementById("report-form");
  const toggle = document.getElementById("publishable");
  if (!form || !toggle) return;
  toggle.addEventListener("change", function () {
    form.requestSubmit ? form.requestSubmit() : form.submit();
  });
})();
