/* The check-in page: the form answers without reloading, and where the browser has the
   BarcodeDetector API (Chrome on Android, for one) a button reads the ticket's QR code with the
   phone's camera. Without it, staff type the code: the form works with no script at all. */
(function () {
  "use strict";

  function answerText(answer) {
    if (answer.outcome === "valid") return "Valid: " + answer.event + ", " + answer.ticket + " (" + answer.holder + "). Checked in now.";
    if (answer.outcome === "used") return "Already used: checked in " + new Date(answer.checked_in_at).toLocaleString() + " by " + (answer.checked_in_by || "someone") + ".";
    if (answer.outcome === "cancelled") return "Cancelled: this ticket's booking was cancelled.";
    return "Unknown: no ticket has this code.";
  }

  function show(answer) {
    var box = document.getElementById("answer");
    var line = document.createElement("p");
    line.className = "answer answer--" + (answer.outcome === "valid" ? "valid" : answer.outcome === "unknown" ? "unknown" : "used");
    line.textContent = answerText(answer);
    box.replaceChildren(line);
  }

  function submit(form, code) {
    var body = new FormData(form);
    body.set("code", code);
    return fetch(form.action, { method: "POST", body: body, headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(show);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("check-in-form");
    if (!form) return;
    var input = document.getElementById("id_code");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submit(form, input.value.trim()).then(function () { input.value = ""; input.focus(); });
    });

    if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
    var button = document.getElementById("scan");
    var video = document.getElementById("camera");
    button.hidden = false;
    button.addEventListener("click", function () {
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        video.play();
        var last = "";
        function look() {
          if (video.hidden) return;
          detector.detect(video).then(function (codes) {
            var code = codes.length ? codes[0].rawValue : "";
            if (code && code !== last) {
              last = code;
              submit(form, code);
            }
            window.setTimeout(look, 300);
          }, function () { window.setTimeout(look, 1000); });
        }
        look();
      }, function () {
        button.hidden = true;
      });
    });
  });
})();
