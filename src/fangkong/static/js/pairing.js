// Pairing pages: behaviour without inline scripts (the pages run under a CSP that forbids them).
//  - [data-scroll-today]: a wide table scrolled so that the cell marked [data-today] is in view
//    (the check-in heat map on a phone shows today, not the first of fourteen days).
// [data-autosubmit] and [data-print] are wired on every page by js/fangkong.js.
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
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
