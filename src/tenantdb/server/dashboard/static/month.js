// The month picker submits as soon as a month is chosen (without JavaScript, its Show button does it).
"use strict";

(function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) { select.form.requestSubmit(); }
    });
  });
})();
