// Live refresh: an element with data-live-url polls that URL (every data-live-interval ms, default 30 s) for
// JSON {"version": "..."}; when the version differs from data-live-version, the element's .live-notice is
// shown ("New data is available. Reload the page"). Without data-live-url this script does nothing.
"use strict";

(function () {
  document.querySelectorAll("[data-live-url]").forEach(function (element) {
    var url = element.getAttribute("data-live-url");
    var known = element.getAttribute("data-live-version") || "";
    var interval = Math.max(parseInt(element.getAttribute("data-live-interval"), 10) || 30000, 100);
    var notice = element.querySelector(".live-notice");
    var timer = null;

    function poll() {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}, cache: "no-store"})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) {
          if (body && typeof body.version === "string" && body.version !== known) {
            if (notice) { notice.hidden = false; }
            window.clearInterval(timer);
          }
        })
        .catch(function () { /* the server may be restarting: try again at the next tick */ });
    }

    timer = window.setInterval(poll, interval);
  });
})();
