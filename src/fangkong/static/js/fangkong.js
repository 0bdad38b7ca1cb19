// fangkong's page behaviour. The Content-Security-Policy allows no inline script or event handler, so
// templates mark elements with data attributes and this file (loaded with defer) wires them:
//   data-autosubmit   on a form control: submit its form when the value changes
//   data-print        on a button: print the page
// and keeps one navigation menu group open at a time (a click elsewhere closes it).
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      if (el.form.requestSubmit) el.form.requestSubmit(); else el.form.submit();
    }
  });
  document.addEventListener("click", function (e) {
    var target = e.target;
    var print = target && target.closest ? target.closest("[data-print]") : null;
    if (print) {
      e.preventDefault();
      window.print();
    }
    document.querySelectorAll("details.navgroup[open]").forEach(function (d) {
      if (!d.contains(target)) d.removeAttribute("open");
    });
  });
})();
