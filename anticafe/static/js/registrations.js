/* Registrations: ask before cancelling, print the ticket. Pages work without this script. */
(function () {
  "use strict";

  // Forms with data-confirm ask first (cancel a registration, replace a ticket code).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
