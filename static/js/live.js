// Live status of background work (CSV import jobs, report renders), updated in place.
//
// A container with data-live-url holds a server-rendered fragment. While that fragment has an
// element with data-live-pending, the fragment is fetched again from data-live-url every
// data-live-interval milliseconds (1000 by default) and put in place of the old one; once it comes
// back without data-live-pending (done, failed, stuck) the polling stops. The container is an
// aria-live region, kept aria-busy while the work runs so that screen readers announce the outcome
// rather than every count. Progressive enhancement: without JavaScript the page reloads itself
// (<noscript> meta refresh) and has a "Refresh now" link; no inline script (Content Security Policy).
(function () {
  "use strict";
  var MAX_DELAY = 10000;

  function pending(container) {
    return container.querySelector("[data-live-pending]") !== null;
  }

  function follow(container) {
    var url = container.dataset.liveUrl;
    var interval = parseInt(container.dataset.liveInterval, 10) || 1000;
    var delay = interval;

    function settle() {
      var busy = pending(container);
      container.setAttribute("aria-busy", busy ? "true" : "false");
      return busy;
    }

    function poll() {
      fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (response.redirected || response.status === 404 || response.status === 403) {
            // Logged out (login page) or no longer visible: the whole page says what to do.
            window.location.reload();
            return null;
          }
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.text();
        })
        .then(function (html) {
          if (html === null) { return; }
          container.innerHTML = html;
          delay = interval;
          if (settle()) { window.setTimeout(poll, delay); }
        })
        .catch(function () {
          // Network or server trouble: keep trying, less often.
          delay = Math.min(delay * 2, MAX_DELAY);
          window.setTimeout(poll, delay);
        });
    }

    if (url && settle()) { window.setTimeout(poll, delay); }
  }

  document.querySelectorAll("[data-live-url]").forEach(follow);
})();
