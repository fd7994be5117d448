/* Booking pages: offer only reachable end times for the chosen start, pick a start by tapping a
   free slot, confirm destructive buttons, print bills. Everything works without it. */
(function () {
  "use strict";

  var data = document.getElementById("booking-ends");
  var start = document.getElementById("start");
  var end = document.getElementById("end");
  if (data && start && end) {
    var ends = JSON.parse(data.textContent);
    var slots = Array.prototype.slice.call(document.querySelectorAll(".slot[data-start]"));

    var highlight = function () {
      var from = start.value, until = end.value;
      slots.forEach(function (slot) {
        var t = slot.dataset.start;
        slot.classList.toggle("chosen", t === from);
        slot.classList.toggle("in-range", !!from && !!until && t > from && t < until);
      });
    };

    var refreshEnds = function () {
      var keep = end.value;
      var options = ends[start.value] || [];
      end.innerHTML = "";
      options.forEach(function (value) {
        var option = document.createElement("option");
        option.value = value;
        option.textContent = value;
        end.appendChild(option);
      });
      if (options.indexOf(keep) >= 0) {
        end.value = keep;
      } else if (options.length) {
        // Default to one hour when it fits, else the shortest booking.
        end.value = options[Math.min(1, options.length - 1)];
      }
      highlight();
    };

    start.addEventListener("change", refreshEnds);
    end.addEventListener("change", highlight);
    slots.forEach(function (slot) {
      if (slot.dataset.free !== "true") return;
      // Not role="button": the selects stay the accessible way to choose; tapping is a shortcut.
      slot.setAttribute("tabindex", "0");
      var choose = function () {
        start.value = slot.dataset.start;
        refreshEnds();
        start.focus();
      };
      slot.addEventListener("click", choose);
      slot.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); choose(); }
      });
    });
    refreshEnds();
  }

  // Ask before cancelling or deleting.
  Array.prototype.forEach.call(document.querySelectorAll("form.confirm-submit[data-confirm]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // Select the whole feed address on focus, for copying on a phone.
  Array.prototype.forEach.call(document.querySelectorAll("input.copy-field"), function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });

  Array.prototype.forEach.call(document.querySelectorAll("button.print-button"), function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
