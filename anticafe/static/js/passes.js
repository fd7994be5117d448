/* Passes: show only the fields that matter for the chosen pass type (the forms work without this). */
(function () {
  "use strict";

  function toggle(form, name, visible) {
    form.querySelectorAll('[data-when="' + name + '"]').forEach(function (element) {
      element.classList.toggle("hidden", !visible);
    });
  }

  // Selling or granting: a paid type asks how it was paid, a free one why; allowances ask for months.
  var issue = document.querySelector("form[data-pass-form]");
  if (issue) {
    var select = issue.querySelector("select");
    var updateIssue = function () {
      var option = select.options[select.selectedIndex];
      if (!option) { return; }
      var free = option.dataset.free === "true";
      toggle(issue, "paid", !free);
      var allowance = option.dataset.kind === "allowance";
      toggle(issue, "free", free && !allowance);  // an allowance's reason is its programme and category
      toggle(issue, "allowance", allowance);
    };
    select.addEventListener("change", updateIssue);
    updateIssue();
  }

  // The admin's pass type: minutes for packages and allowances, days for packages and memberships.
  var typeForm = document.querySelector("form[data-type-form]");
  if (typeForm) {
    var kind = typeForm.querySelector("select[name=kind]");
    var updateType = function () {
      toggle(typeForm, "minutes", kind.value !== "membership");
      toggle(typeForm, "period", kind.value !== "allowance");
      toggle(typeForm, "priced", kind.value !== "allowance");
    };
    kind.addEventListener("change", updateType);
    updateType();
  }
})();
