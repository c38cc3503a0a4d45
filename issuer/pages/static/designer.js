// The micro-credential designer, enhanced: "more rows" adds a row in place, and the preview
// follows the form as it is typed. Without this script the same buttons work through the
// server (the form is posted and shown again), so nothing here is needed to use the form.
(function () {
  "use strict";
  var form = document.getElementById("designer");
  if (!form) { return; }
  var panel = document.getElementById("preview-panel");

  // A copy of the list's last row, numbered next, emptied.
  function addRow(kind) {
    var list = form.querySelector('[data-rows="' + kind + '"]');
    if (!list || !list.lastElementChild) { return false; }
    var index = list.children.length;
    var copy = list.lastElementChild.cloneNode(true);
    var numbered = new RegExp("(^|f-|e-)" + kind + "\\.\\d+");
    function renumber(value) { return value.replace(numbered, "$1" + kind + "." + index); }
    copy.querySelectorAll("[name]").forEach(function (el) {
      el.name = renumber(el.name);
      el.value = "";
      el.removeAttribute("aria-invalid");
    });
    copy.querySelectorAll("[id]").forEach(function (el) { el.id = renumber(el.id); });
    copy.querySelectorAll("label[for]").forEach(function (el) { el.htmlFor = renumber(el.htmlFor); });
    copy.querySelectorAll("[aria-describedby]").forEach(function (el) {
      var kept = el.getAttribute("aria-describedby").split(" ").filter(function (id) {
        return id.indexOf("e-") !== 0;
      });
      el.setAttribute("aria-describedby", kept.join(" "));
    });
    copy.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
    copy.querySelectorAll(".visually-hidden").forEach(function (el) {
      el.textContent = el.textContent.replace(/\d+/, String(index + 1));
    });
    list.appendChild(copy);
    var first = copy.querySelector("input, textarea");
    if (first) { first.focus(); }
    return true;
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-row]");
    if (button && addRow(button.getAttribute("data-add-row"))) { event.preventDefault(); }
  });

  // The preview, refreshed from the server a moment after typing stops.
  var timer = null;
  var pending = null;
  function refresh() {
    if (!panel) { return; }
    var data = new FormData(form);
    data.delete("action");
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(form.getAttribute("data-preview"), {
      method: "POST", body: new URLSearchParams(data), signal: pending.signal,
      credentials: "same-origin"
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html !== null) { panel.innerHTML = html; }
    }).catch(function () { /* a newer refresh replaced it, or the network is down */ });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 700);
  });
})();
