// Pairing pages: behaviour without inline scripts (the pages run under a CSP that forbids them).
//  - [data-scroll-today]: a wide table scrolled so that the cell marked [data-today] is in view
//    (the check-in heat map on a phone shows today, not the first of fourteen days);
//  - select[data-autosubmit]: submits its form when changed (the button stays for keyboards and no-JS);
//  - [data-print]: prints the page.
(function () {
  "use strict";
  function scrollToToday(root) {
    root.querySelectorAll("[data-scroll-today]").forEach(function (box) {
      var cell = box.querySelector("[data-today]");
      if (!cell || box.scrollWidth <= box.clientWidth) return;
      var right = cell.offsetLeft + cell.offsetWidth;
      box.scrollLeft = Math.max(0, right - box.clientWidth);
    });
  }
  function init() {
    scrollToToday(document);
    document.addEventListener("change", function (event) {
      var el = event.target;
      if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.requestSubmit();
    });
    document.addEventListener("click", function (event) {
      var el = event.target && event.target.closest && event.target.closest("[data-print]");
      if (el) {
        event.preventDefault();
        window.print();
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
