// The request's page reloads itself when the learner's answer arrives.
// Server-sent events first; where the browser has none, a plain poll every 3 seconds.
// Without scripts the page's "Check for an answer" link does the same by hand.
(function () {
  "use strict";
  var note = document.getElementById("live-note");
  if (!note) { return; }
  function arrived(status) {
    if (status && status !== "pending") {
      note.textContent = "The answer has arrived; showing it now.";
      window.location.reload();
    }
  }
  if (window.EventSource) {
    var events = new EventSource(note.getAttribute("data-events"));
    events.addEventListener("status", function (event) {
      events.close();
      arrived(event.data);
    });
    return;
  }
  window.setInterval(function () {
    fetch(note.getAttribute("data-state"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body) { arrived(body.status); } })
      .catch(function () { /* the next poll tries again */ });
  }, 3000);
})();
