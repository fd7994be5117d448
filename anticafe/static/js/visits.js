/* Timed visits: the live board, the price calculator, checkout totals, the tariff editor, printing.
   Every page works without this script; it only makes them live. */
(function () {
  "use strict";

  var PLACEHOLDER = "999999999";

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? values[key] : all; });
  }

  function rubles(text, locale) {
    var value = parseFloat(text || "0");
    var whole = Math.round(value) === value;
    return new Intl.NumberFormat(locale || "ru", { minimumFractionDigits: whole ? 0 : 2, maximumFractionDigits: 2 })
      .format(value) + "\u00a0₽";
  }

  function duration(minutes, t) {
    if (minutes < 60) return fill(t.minutes, { minutes: minutes });
    var rest = minutes % 60;
    return fill(t.hours, { hours: Math.floor(minutes / 60), minutes: rest < 10 ? "0" + rest : rest });
  }

  function hm(iso) { return iso ? iso.slice(11, 16) : "—"; }

  function toggle(element, visible) { if (element) element.classList.toggle("hidden", !visible); }

  // ---------------------------------------------------------------------------------------------
  // The live board: poll the JSON endpoint, redraw rows from a clone of the server's row markup.
  var board = document.getElementById("visit-board");
  if (board) {
    var t = JSON.parse(document.getElementById("board-i18n").textContent);
    var rowsBody = document.getElementById("board-rows");
    var rowTemplate = document.getElementById("board-row-template").innerHTML;
    var statusLine = board.querySelector('[data-field="status"]');
    var busy = false;

    var drawRow = function (item) {
      var holder = document.createElement("tbody");
      holder.innerHTML = rowTemplate.split(PLACEHOLDER).join(String(item.id));
      var row = holder.firstElementChild;
      var field = function (name) { return row.querySelector('[data-field="' + name + '"]'); };
      row.classList.toggle("is-paused", item.paused);
      row.classList.toggle("is-curfew", item.minor_after_curfew);
      field("name").textContent = item.name;
      toggle(field("walk-in"), !!item.guest_name);
      toggle(field("paused"), item.paused);
      toggle(field("minor"), item.minor);
      field("minor").classList.toggle("bad", item.minor_after_curfew);
      toggle(field("curfew"), item.minor_after_curfew);
      field("category").textContent = item.category_label;
      toggle(field("category"), item.guest_category !== "standard");
      field("since").textContent = hm(item.started_at);
      field("time").textContent = duration(item.minutes_so_far, t);
      field("amount").textContent = rubles(item.amount_so_far, t.locale);
      field("cap").textContent = item.capped ? t.capReached : (item.cap ? fill(t.cap, { cap: rubles(item.cap, t.locale) }) : "");
      toggle(row.querySelector('[data-action="pause"]'), !item.paused);
      toggle(row.querySelector('[data-action="resume"]'), item.paused);
      return row;
    };

    var drawUnpaid = function (items) {
      var list = board.querySelector('[data-field="unpaid"]');
      list.textContent = "";
      if (!items.length) {
        var none = document.createElement("li");
        none.className = "muted";
        none.textContent = t.everyonePaid;
        list.appendChild(none);
        return;
      }
      items.forEach(function (item) {
        var li = document.createElement("li");
        var link = document.createElement("a");
        link.href = board.dataset.checkoutUrl.split(PLACEHOLDER).join(String(item.id));
        link.textContent = item.name;
        var amount = document.createElement("strong");
        amount.textContent = rubles(item.amount, t.locale);
        li.appendChild(link);
        li.appendChild(document.createTextNode(" · " + hm(item.ended_at) + " · "));
        li.appendChild(amount);
        if (item.needs_review) {
          var badge = document.createElement("span");
          badge.className = "badge warn";
          badge.textContent = t.check;
          li.appendChild(document.createTextNode(" "));
          li.appendChild(badge);
        }
        list.appendChild(li);
      });
    };

    var draw = function (data) {
      var occ = data.occupancy;
      board.querySelector('[data-field="people"]').textContent = occ.people;
      board.querySelector('[data-field="capacity"]').textContent = occ.capacity;
      board.querySelector('[data-field="event-guests-note"]').textContent =
        occ.event_guests ? fill(t.atEvent, { num: occ.event_guests }) : "";
      var progress = board.querySelector("progress");
      progress.max = occ.capacity;
      progress.value = occ.people;
      board.querySelector(".occupancy").classList.toggle("is-full", occ.full);
      toggle(board.querySelector('[data-field="full-warning"]'), occ.full);
      document.querySelectorAll(".override").forEach(function (el) { if (occ.full) el.classList.remove("hidden"); });
      var curfew = data.after_curfew && data.items.some(function (item) { return item.minor_after_curfew; });
      toggle(board.querySelector('[data-field="curfew-warning"]'), curfew);
      rowsBody.textContent = "";
      data.items.forEach(function (item) { rowsBody.appendChild(drawRow(item)); });
      toggle(board.querySelector('[data-field="empty"]'), !data.items.length);
      drawUnpaid(data.unpaid);
      statusLine.textContent = fill(t.updated, { time: hm(data.now) });
    };

    var refresh = function () {
      if (busy) return;
      busy = true;
      fetch(board.dataset.boardUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(draw)
        .catch(function () { statusLine.textContent = t.failed; })
        .then(function () { busy = false; });
    };

    // Pause, resume and stop call the API (the forms still work without JS).
    rowsBody.addEventListener("submit", function (event) {
      var form = event.target.closest("form[data-api]");
      if (!form) return;
      event.preventDefault();
      var button = form.querySelector("button");
      button.disabled = true;
      window.anticafe.api("POST", form.dataset.api).then(function (result) {
        if (!result.ok) {
          statusLine.textContent = result.data && result.data.error ? result.data.error.message : t.failed;
          button.disabled = false;
          refresh();
          return;
        }
        if (form.dataset.then) { window.location.href = form.dataset.then; return; }
        refresh();
      }).catch(function () { statusLine.textContent = t.failed; button.disabled = false; });
    });

    window.setInterval(refresh, parseInt(board.dataset.interval, 10) || 10000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  }

  // ---------------------------------------------------------------------------------------------
  // The price calculator on the home page.
  document.querySelectorAll("form.price-calculator").forEach(function (form) {
    var output = form.querySelector(".calc-result");
    var locale = document.documentElement.lang || "ru";
    var timer = null;
    var error = form.querySelector(".calc-error");
    var minutesInput = form.querySelector('input[name="minutes"]');
    var showError = function (text) {
      error.textContent = text || "";
      if (text) { minutesInput.setAttribute("aria-invalid", "true"); output.textContent = ""; }
      else minutesInput.removeAttribute("aria-invalid");
    };
    var update = function () {
      var params = new URLSearchParams(new FormData(form));
      var minutes = params.get("minutes") || "";
      // An empty, negative or too long stay gets a message, never the previous price.
      if (!/^\d+$/.test(minutes) || parseInt(minutes, 10) > 1440) { showError(form.dataset.error); return; }
      fetch(form.dataset.quoteUrl + "?" + params.toString(), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { showError(form.dataset.error); return; }
          showError("");
          output.textContent = "";
          var amount = document.createElement("strong");
          amount.className = "calc-amount";
          amount.textContent = rubles(data.amount, locale);
          var list = document.createElement("ul");
          list.className = "calc-lines";
          data.breakdown.forEach(function (line) {
            var li = document.createElement("li");
            var text = document.createElement("span");
            text.textContent = line.text;
            li.appendChild(text);
            if (line.amount !== "0.00") {
              var sum = document.createElement("span");
              sum.className = "amount";
              sum.textContent = " " + rubles(line.amount, locale);
              li.appendChild(sum);
            }
            list.appendChild(li);
          });
          output.appendChild(amount);
          output.appendChild(list);
        });
    };
    form.addEventListener("input", function () { window.clearTimeout(timer); timer = window.setTimeout(update, 250); });
    form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
    form.classList.add("is-live");
  });

  // ---------------------------------------------------------------------------------------------
  // Checkout: the pay button shows the total with the company's visits ticked.
  document.querySelectorAll("form.pay-form").forEach(function (form) {
    var total = form.querySelector('[data-field="pay-total"]');
    if (!total) return;
    var locale = document.documentElement.lang || "ru";
    var update = function () {
      var sum = parseFloat(total.dataset.base || "0");
      form.querySelectorAll('input[name="visit_ids"]:checked').forEach(function (box) {
        sum += parseFloat(box.dataset.amount || "0");
      });
      total.textContent = rubles(sum.toFixed(2), locale);
    };
    form.addEventListener("change", update);
  });

  // The tariff editor: weekend rates only when they differ from the weekday ones.
  var same = document.getElementById("weekend_same");
  var weekendTiers = document.querySelector(".weekend-tiers");
  if (same && weekendTiers) {
    same.addEventListener("change", function () { toggle(weekendTiers, !same.checked); });
  }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
