// Live observation form: +/− IPA counters saved on each click, fields autosaved as typed, critical
// incidents added and deleted in place (the server answers the incidents block alone, so nothing
// typed elsewhere on the page is touched), a session clock that fills the incident's minute.
// Progressive enhancement: without JavaScript the same forms post normally.
// The messages come translated from the template (data-error-message, data-offline-message and
// data-confirm-delete on the IPA table, the observation form and the incidents section): no
// language logic here.
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
  var timer = null;
  function autosave() {
    timer = null;
    var data = new FormData(form);
    fetch(form.dataset.autosaveUrl, { method: "POST", body: data, headers: { "X-CSRFToken": csrf(form), "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (j) { say(j.ok ? j.message : (j.error || form.dataset.errorMessage)); })
      .catch(function () { say(form.dataset.offlineMessage); });
  }
  if (form && form.dataset.autosaveUrl) {
    ["change", "input"].forEach(function (type) {
      form.addEventListener(type, function () { clearTimeout(timer); timer = setTimeout(autosave, 1200); });
    });
  }
  // Saves now what is still waiting for the autosave delay (before an incident is sent).
  function flushAutosave() {
    if (timer !== null) { clearTimeout(timer); autosave(); }
  }

  var incidents = document.getElementById("incidents");
  if (!incidents) { return; }
  var started = Date.parse(incidents.dataset.sessionStart);
  var maxMinute = parseInt(incidents.dataset.clockMax, 10) || 600;

  // Session clock: whole minutes since the session's start. It fills the incident's minute until
  // the mediator types one (the field stays editable); "Now" fills it again.
  function currentMinute() {
    if (isNaN(started)) { return null; }
    var minute = Math.floor((Date.now() - started) / 60000);
    return (minute >= 0 && minute <= maxMinute) ? minute : null;
  }
  function minuteField() { return incidents.querySelector("input[name='i-minute']"); }
  function tick() {
    var minute = currentMinute();
    var clock = incidents.querySelector("[data-clock]");
    var fill = incidents.querySelector("[data-clock-fill]");
    if (clock) {
      clock.hidden = minute === null;
      if (minute !== null) { clock.querySelector("[data-clock-minute]").textContent = minute; }
    }
    if (fill) { fill.hidden = minute === null; }
    var field = minuteField();
    if (field && minute !== null && !field.dataset.typed && !field.getAttribute("aria-invalid")) {
      field.value = minute;
    }
  }
  incidents.addEventListener("input", function (event) {
    if (event.target === minuteField()) { event.target.dataset.typed = "1"; }
  });
  incidents.addEventListener("click", function (event) {
    var fill = event.target.closest("[data-clock-fill]");
    var field = minuteField();
    var minute = currentMinute();
    if (fill && field && minute !== null) {
      field.value = minute;
      delete field.dataset.typed;
      field.focus();
    }
  });
  tick();
  window.setInterval(tick, 15000);

  // Adding and deleting: the answer is the incidents block (X-Fragment: incidents), put in place
  // of the old one; anything else (a login page, an error page, no network) leaves the block as
  // it is, with what was typed in it, and says so.
  var busy = false;
  incidents.addEventListener("submit", function (event) {
    var target = event.target;
    var deleting = target.hasAttribute("data-incident-delete");
    if (!deleting && !target.hasAttribute("data-incident-add")) { return; }
    event.preventDefault();
    if (busy) { return; }
    if (deleting && !window.confirm(incidents.dataset.confirmDelete)) { return; }
    busy = true;
    flushAutosave();
    // The delete form is a GET to the confirmation page (for browsers without JavaScript): once
    // confirmed here, the script posts to the same address with the page's CSRF token.
    var token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
    var body = new FormData(target);
    body.set("csrfmiddlewaretoken", token);
    fetch(target.action, {
      method: "POST",
      body: body,
      headers: { "X-CSRFToken": token, "X-Requested-With": "fetch", "Accept": "text/html" },
      credentials: "same-origin"
    })
      .then(function (r) {
        if (r.redirected || r.headers.get("X-Fragment") !== "incidents") { throw new Error("not a fragment"); }
        return r.text().then(function (html) { return { ok: r.ok, html: html }; });
      })
      .then(function (res) {
        incidents.innerHTML = res.html;
        tick();
        var focus = res.ok ? incidents.querySelector("#incident-message") : incidents.querySelector("[aria-invalid='true']");
        if (focus) { focus.focus(); }
      })
      .catch(function () { say(navigator.onLine === false ? incidents.dataset.offlineMessage : incidents.dataset.errorMessage); })
      .then(function () { busy = false; });
  });
  incidents.dataset.live = "1";
})();
