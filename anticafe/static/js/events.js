/* The event calendar's small enhancements; every page works without them. */
(function () {
  "use strict";
  // Pages may include this script twice (the feed box brings its own copy); bind only once.
  if (window.anticafeEventsReady) return;
  window.anticafeEventsReady = true;

  // Filters apply as soon as they change (the "Show" button stays for people without scripts).
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.classList.add("js-auto");
    form.querySelectorAll("select, input[type=checkbox]").forEach(function (input) {
      input.addEventListener("change", function () { form.submit(); });
    });
  });

  // Copy the personal feed address.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.querySelector(button.dataset.copy);
      if (!input) return;
      input.select();
      var done = function () {
        var label = button.textContent;
        button.textContent = button.dataset.copied || label;
        setTimeout(function () { button.textContent = label; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });

  // Ask before destructive buttons.
  document.querySelectorAll("form[data-events-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.eventsConfirm)) event.preventDefault();
    });
  });

  // The series fields show only when "Repeats weekly" is chosen.
  var repeat = document.querySelector("[data-repeat]");
  if (repeat) {
    var details = repeat.querySelector("[data-repeat-details]");
    var sync = function () {
      var chosen = repeat.querySelector("input[name=repeat]:checked");
      details.classList.toggle("hidden-by-js", !chosen || chosen.value !== "weekly");
    };
    repeat.querySelectorAll("input[name=repeat]").forEach(function (input) { input.addEventListener("change", sync); });
    sync();
  }
})();
