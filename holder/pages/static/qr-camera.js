/* The live camera QR scanner: a progressive enhancement of the forms that take a link.
 *
 * A page marks a scanner with <div class="scanner" data-scanner-for="<input id>" hidden>,
 * holding a start button, a <video> and a status line; the words come from the template
 * (data-* attributes), so they are translated with the rest of the page. Where the browser
 * can open a camera (getUserMedia, a secure context) and jsQR has loaded, the scanner is
 * shown; otherwise the page stays as it was: paste the link or upload a photo. A code whose
 * text holds one of the words in data-scanner-accept is put into the input and the form is sent;
 * the server reads it exactly as a pasted link. Nothing leaves the phone before that.
 */
(function () {
  "use strict";

  function canScan() {
    return Boolean(
      window.isSecureContext &&
        navigator.mediaDevices &&
        navigator.mediaDevices.getUserMedia &&
        typeof window.jsQR === "function"
    );
  }

  function setUp(scanner) {
    var input = document.getElementById(scanner.getAttribute("data-scanner-for"));
    var button = scanner.querySelector("button");
    var video = scanner.querySelector("video");
    var status = scanner.querySelector("[role=status]");
    var accepted = (scanner.getAttribute("data-scanner-accept") || "").split(" ").filter(Boolean);
    if (!input || !button || !video || !status) {
      return;
    }
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    var stream = null;

    function say(attribute) {
      status.textContent = scanner.getAttribute(attribute) || "";
    }

    function stop() {
      if (stream) {
        stream.getTracks().forEach(function (track) { track.stop(); });
        stream = null;
      }
      video.hidden = true;
      button.hidden = false;
    }

    function isWanted(text) {
      return accepted.length === 0 || accepted.some(function (part) {
        return text.indexOf(part) !== -1;
      });
    }

    function look() {
      if (!stream) {
        return;
      }
      if (video.readyState >= video.HAVE_ENOUGH_DATA && video.videoWidth > 0) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
        var code = window.jsQR(pixels.data, pixels.width, pixels.height, {
          inversionAttempts: "dontInvert"
        });
        if (code && code.data) {
          if (isWanted(code.data)) {
            stop();
            say("data-found");
            input.value = code.data;
            if (input.form) {
              input.form.requestSubmit ? input.form.requestSubmit() : input.form.submit();
            }
            return;
          }
          say("data-not-an-offer");
        }
      }
      window.requestAnimationFrame(look);
    }

    button.addEventListener("click", function () {
      say("data-starting");
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (opened) {
          stream = opened;
          video.srcObject = opened;
          video.setAttribute("playsinline", "");
          video.muted = true;
          video.hidden = false;
          button.hidden = true;
          return video.play();
        })
        .then(function () {
          say("data-looking");
          window.requestAnimationFrame(look);
        })
        .catch(function () {
          stop();
          say("data-no-camera");
        });
    });
    window.addEventListener("pagehide", stop);
    scanner.hidden = false;
  }

  function start() {
    if (!canScan()) {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-scanner-for]"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
