// Live observation form: +/− IPA counters saved on each click, fields autosaved as typed.
// Progressive enhancement: without JavaScript the same forms post normally.
// The fallback messages come translated from the template (data-error-message and
// data-offline-message on the IPA table and on the observation form): no language logic here.
(function () {
  "use strict";
  function csrf(form) { return form.querySelector("input[name=csrfmiddlewaretoken]").value; }
  var status = document.getElementById("autosave-status");
  function say(text) { if (status) { status.textContent = text || ""; } }

  var table = document.querySelector("table.ipa-table");
  var tallyMessages = table ? table.dataset : {};
  document.querySelectorAll("form.tally-form").forEach(function (form) {
    // Clicks on one counter are sent one after the other (a queue), so the server applies them
    // in order and the count shown is always the latest one, however fast the mediator clicks.
    var queue = Promise.resolve();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = event.submitter;
      var data = new FormData(form);
      data.set("delta", button ? button.value : "1");
      var output = form.querySelector("output");
      queue = queue.then(function () {
        return fetch(form.action, { method: "POST", body: data, headers: { "X-CSRFToken": csrf(form), "Accept": "application/json" }, credentials: "same-origin" })
          .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
          .then(function (res) {
            if (res.ok && res.body.ok) { output.textContent = res.body.count; }
            else { say(res.body.error || tallyMessages.errorMessage); }
          })
          .catch(function () { say(tallyMessages.offlineMessage); });
      });
    });
  });
  document.documentElement.dataset.observationReady = "1";

  var form = document.getElementById("observation-form");
  if (!form || !form.dataset.autosaveUrl) { return; }
  var timer = null;
  function autosave() {
    var data = new FormData(form);
    fetch(form.dataset.autosaveUrl, { method: "POST", body: data, headers: { "X-CSRFToken": csrf(form), "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (j) { say(j.ok ? j.message : (j.error || form.dataset.errorMessage)); })
      .catch(function () { say(form.dataset.offlineMessage); });
  }
  ["change", "input"].forEach(function (type) {
    form.addEventListener(type, function () { clearTimeout(timer); timer = setTimeout(autosave, 1200); });
  });
})();
