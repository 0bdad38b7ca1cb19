// Visit photos are resized on the phone before they are sent: the chosen picture is drawn on a canvas at
// most 1280 px on its longer side and sent as a JPEG in the hidden field; the original file is not uploaded.
(function () {
  "use strict";
  var MAX = 1280;
  function resize(input) {
    var file = input.files && input.files[0];
    var target = document.getElementById(input.getAttribute("data-target"));
    var preview = document.getElementById(input.getAttribute("data-preview"));
    if (!file || !target) { return; }
    // read as a data: URL (the content security policy allows data: images, not blob: ones)
    var reader = new FileReader();
    reader.onload = function () {
      var img = new Image();
      img.onload = function () {
        var scale = Math.min(1, MAX / Math.max(img.width, img.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(img.width * scale);
        canvas.height = Math.round(img.height * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        target.value = canvas.toDataURL("image/jpeg", 0.8);
        if (preview) { preview.src = target.value; preview.hidden = false; }
        input.value = "";
      };
      img.src = reader.result;
    };
    reader.readAsDataURL(file);
  }
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.matches && el.matches("input[type=file][data-resize]")) { resize(el); }
  });
  // A submit button is pressed once: a second tap on a slow connection sends nothing more.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-once]")) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
    }
  });
})();
