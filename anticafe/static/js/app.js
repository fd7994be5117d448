/* Small progressive enhancements shared by all pages; pages work without them. */
(function () {
  "use strict";
  document.documentElement.classList.replace("no-js", "js");

  // Show the guardian fields on the sign-up form only when the birth date says the person is young.
  var fieldset = document.querySelector("fieldset.guardian[data-guardian-age]");
  var birth = document.getElementById("birth_date");
  if (fieldset && birth) {
    var limit = parseInt(fieldset.dataset.guardianAge, 10);
    var update = function () {
      if (!birth.value) { fieldset.classList.remove("hidden"); return; }
      var b = new Date(birth.value + "T00:00:00"), now = new Date();
      var age = now.getFullYear() - b.getFullYear();
      if (now.getMonth() < b.getMonth() || (now.getMonth() === b.getMonth() && now.getDate() < b.getDate())) age--;
      var hasErrors = fieldset.querySelector(".field-errors");
      fieldset.classList.toggle("hidden", age >= limit && !hasErrors);
    };
    birth.addEventListener("change", update);
    update();
  }

  // The header sticks to the top; whatever else sticks (the board's search, the door's answer) sits just
  // below it, whatever height the header wraps to on this screen. Measured again whenever the header
  // changes size: the web fonts arrive after the first measure and the menu then wraps to fewer rows,
  // and a stale, taller figure would push the sticky search down over the content below it.
  var header = document.querySelector(".site-header");
  if (header) {
    var measure = function () {
      document.documentElement.style.setProperty("--header-height", header.offsetHeight + "px");
    };
    measure();
    if (window.ResizeObserver) {
      new ResizeObserver(measure).observe(header);
    } else {
      window.addEventListener("resize", measure);
      if (document.fonts && document.fonts.ready) document.fonts.ready.then(measure);
    }
  }

  // Helper for pages that call the JSON API with the browser session.
  window.anticafe = window.anticafe || {};
  window.anticafe.api = function (method, url, body) {
    var token = document.querySelector('meta[name="csrf-token"]');
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.content : "" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, ok: response.ok, data: data }; });
    });
  };
})();
