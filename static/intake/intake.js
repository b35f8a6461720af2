// The customer's pages (templates/intake): copy the private link; warn before sending photos too large to go
// through (the server refuses such a body unread, and the typed text would be lost with it).
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-copy-target"));
      if (!input) return;
      input.select();
      var done = function () { button.textContent = button.getAttribute("data-copied-text"); };
      if (navigator.clipboard) { navigator.clipboard.writeText(input.value).then(done, function () {}); }
      else if (document.execCommand("copy")) { done(); }
    });
  });
  document.querySelectorAll("[data-intake-form]").forEach(function (form) {
    var limit = parseInt(form.getAttribute("data-max-bytes"), 10);
    var warning = form.querySelector("[data-intake-too-large]");
    form.addEventListener("submit", function (event) {
      var total = 0;
      form.querySelectorAll("input[type=file]").forEach(function (input) {
        Array.prototype.forEach.call(input.files || [], function (file) { total += file.size; });
      });
      if (limit && total > limit) {
        event.preventDefault();
        if (warning) { warning.classList.remove("d-none"); warning.focus(); }
      }
    });
  });
})();
