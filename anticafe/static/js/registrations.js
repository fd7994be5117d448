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

  // A ticket page registers the ticket worker (scope /t/) and hands it what the page needs offline.
  var ticket = document.querySelector("[data-ticket-worker]");
  if (ticket && "serviceWorker" in navigator) {
    navigator.serviceWorker.register(ticket.dataset.ticketWorker, { scope: ticket.dataset.ticketScope })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        var urls = [location.href];
        document.querySelectorAll("link[rel=stylesheet], script[src], img[src]").forEach(function (node) {
          urls.push(node.href || node.src);
        });
        navigator.serviceWorker.addEventListener("message", function (event) {
          if (event.data && event.data.cached) ticket.dataset.offlineReady = "true";
        });
        registration.active.postMessage({ cache: urls });
      })
      .catch(function () { /* the ticket still works online */ });
  }
})();
