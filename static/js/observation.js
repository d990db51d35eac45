// Live observation form: +/− IPA counters saved on each click, fields autosaved as typed.
// Progressive enhancement: without JavaScript the same forms post normally.
(function () {
  "use strict";
  function csrf(form) { return form.querySelector("input[name=csrfmiddlewaretoken]").value; }
  var status = document.getElementById("autosave-status");
  function say(text) { if (status) { status.textContent = text; } }

  document.querySelectorAll("form.tally-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = event.submitter;
      var data = new FormData(form);
      data.set("delta", button ? button.value : "1");
      var output = form.querySelector("output");
      fetch(form.action, { method: "POST", body: data, headers: { "X-CSRFToken": csrf(form), "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
        .then(function (res) {
          if (res.ok && res.body.ok) { output.textContent = res.body.count; }
          else { say(res.body.error || "Erreur"); }
        })
        .catch(function () { say(document.documentElement.lang === "en" ? "Not saved — check the connection." : "Non enregistré — vérifiez la connexion."); });
    });
  });

  var form = document.getElementById("observation-form");
  if (!form || !form.dataset.autosaveUrl) { return; }
  var timer = null;
  function autosave() {
    var data = new FormData(form);
    fetch(form.dataset.autosaveUrl, { method: "POST", body: data, headers: { "X-CSRFToken": csrf(form), "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (j) { say(j.ok ? j.message : (j.error || "")); })
      .catch(function () { say(document.documentElement.lang === "en" ? "Not saved — check the connection." : "Non enregistré — vérifiez la connexion."); });
  }
  ["change", "input"].forEach(function (type) {
    form.addEventListener(type, function () { clearTimeout(timer); timer = setTimeout(autosave, 1200); });
  });
})();
