// Sortable tables: a table[data-sortable] sorts its rows when a header button is activated (click, Enter or
// Space), by each cell's data-sort-value: numbers compared exactly as decimal strings (never rounded to floats),
// text by locale. Empty values go last. The header gets aria-sort; a status line announces the order.
"use strict";

(function () {
  function compareDecimals(a, b) {
    // Exact order of two decimal strings such as "-1200.50" and "99".
    var negA = a.charAt(0) === "-", negB = b.charAt(0) === "-";
    if (negA !== negB) { return negA ? -1 : 1; }
    var order = compareMagnitudes(negA ? a.slice(1) : a, negB ? b.slice(1) : b);
    return negA ? -order : order;
  }

  function compareMagnitudes(a, b) {
    var pa = normalise(a), pb = normalise(b);
    if (pa[0].length !== pb[0].length) { return pa[0].length < pb[0].length ? -1 : 1; }
    if (pa[0] !== pb[0]) { return pa[0] < pb[0] ? -1 : 1; }
    var length = Math.max(pa[1].length, pb[1].length);
    var fa = pa[1].padEnd(length, "0"), fb = pb[1].padEnd(length, "0");
    return fa === fb ? 0 : (fa < fb ? -1 : 1);
  }

  function normalise(text) {
    if (/e/i.test(text)) { // scientific notation: expand it
      var value = Number(text);
      text = isFinite(value) ? value.toLocaleString("en-US", {useGrouping: false, maximumFractionDigits: 20}) : "0";
    }
    var parts = text.split(".");
    return [parts[0].replace(/^0+(?=\d)/, ""), parts[1] || ""];
  }

  function sortTable(table, header, button) {
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var index = headers.indexOf(header);
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var numeric = header.getAttribute("data-type") === "number";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (ra, rb) {
      var a = ra.cells[index].getAttribute("data-sort-value") || "";
      var b = rb.cells[index].getAttribute("data-sort-value") || "";
      if (a === "" || b === "") { return a === b ? 0 : (a === "" ? 1 : -1); }
      var order = numeric ? compareDecimals(a, b) : a.localeCompare(b);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var status = table.closest(".data-table").querySelector(".sort-status");
    if (status) {
      status.textContent = "Sorted by " + button.textContent.trim() + ", " + (ascending ? "ascending" : "descending") + ".";
    }
  }

  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    table.querySelectorAll("thead th button.sort").forEach(function (button) {
      button.addEventListener("click", function () { sortTable(table, button.closest("th"), button); });
    });
  });
})();
