// The copy button of the personal report link (data-copy="<id of the element holding the link>"; printing
// is js/fangkong.js's data-print). A static file, not an inline script: the pages are served
// under a Content-Security-Policy that allows no inline script.
(function () {
  "use strict";
  function copied(button) {
    var label = button.getAttribute("data-copied");
    if (label) { button.textContent = label; }
  }
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    var copy = target.closest("[data-copy]");
    if (copy) {
      var source = document.getElementById(copy.getAttribute("data-copy"));
      if (!source) { return; }
      var text = source.value !== undefined ? source.value : source.textContent;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { copied(copy); });
      } else if (source.select) {
        source.select();
        document.execCommand("copy");
        copied(copy);
      }
    }
  });
})();
