// The pipeline board (templates/candidates/pipeline.html): drag-and-drop between stage columns
// with SortableJS, and the cards' "Move to next stage" / "Move to…" forms sent without a reload.
// Every move goes to the same view and service as the application page
// (candidates.views.application_move → services.application_move), which decides: a refused move
// puts the card back and says why; "Rejected" first asks the reason in a dialog. Without
// JavaScript the cards' forms post normally and the page reloads (Content-Security-Policy: no
// inline script, so this file is loaded by the template).
(() => {
  const board = document.querySelector("[data-board]");
  if (!board) return;
  const status = document.getElementById("board-status");
  const dialogElement = document.getElementById("reject-dialog");
  const rejectForm = dialogElement ? dialogElement.querySelector("[data-reject-form]") : null;
  const csrfInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  const nextPath = window.location.pathname + window.location.search;
  let pending = null; // the rejection waiting for its dialog: {card, revert, focus}

  function say(message, ok) {
    if (!status) return;
    const alert = document.createElement("div");
    alert.className = `alert alert-${ok ? "success" : "danger"} py-2`;
    alert.textContent = message;
    status.replaceChildren(alert);
  }

  function countOf(list) {
    return list ? list.closest(".board-column").querySelector("h2 .badge") : null;
  }

  function shiftCount(list, delta) {
    const badge = countOf(list);
    if (badge) badge.textContent = String(Math.max(0, Number(badge.textContent) + delta));
  }

  async function post(card, toStage, extra) {
    const body = new FormData();
    body.append("csrfmiddlewaretoken", csrfInput ? csrfInput.value : "");
    body.append("from_stage", card.dataset.stage);
    body.append("to_stage", toStage);
    body.append("next", nextPath);
    Object.entries(extra || {}).forEach(([name, value]) => body.append(name, value));
    try {
      const response = await fetch(card.dataset.moveUrl, {
        method: "POST",
        body,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      return await response.json();
    } catch (error) {
      return { ok: false, message: board.dataset.networkError || String(error), errors: {} };
    }
  }

  // The card is now where the server says: replaced by its fresh rendering (new stage, new moves)
  // in its new column, or removed when the application left the board (rejected, withdrawn).
  function place(card, fromList, result, focusAfter) {
    const toList = board.querySelector(`.board-list[data-stage="${result.stage}"]:not(.board-drop)`);
    shiftCount(fromList, -1);
    let fresh = null;
    if (result.card && toList) {
      const holder = document.createElement("div");
      holder.innerHTML = result.card.trim();
      fresh = holder.firstElementChild;
      if (card.parentElement === toList) toList.replaceChild(fresh, card);
      else {
        toList.appendChild(fresh);
        card.remove();
      }
      shiftCount(toList, 1);
    } else {
      card.remove();
    }
    if (focusAfter) {
      const target = fresh && (fresh.querySelector("[data-next-stage]") || fresh.querySelector("a"));
      (target || board).focus();
    }
  }

  async function move(card, toStage, { fromList, revert, focusAfter, extra } = {}) {
    if (card.dataset.busy) return null;
    card.dataset.busy = "1";
    card.querySelectorAll("button, select").forEach((el) => (el.disabled = true));
    const result = await post(card, toStage, extra);
    delete card.dataset.busy;
    card.querySelectorAll("button, select").forEach((el) => (el.disabled = false));
    if (result.ok) {
      place(card, fromList || card.closest(".board-list"), result, focusAfter);
    } else if (result.card && result.stage && result.stage !== card.dataset.stage) {
      // Refused because it moved meanwhile (another tab, a colleague): shown where it now is.
      if (revert) revert();
      place(card, card.closest(".board-list"), result, focusAfter);
    } else if (revert) {
      revert();
    }
    if (!(result.ok === false && pending && toStage === "rejected")) say(result.message, result.ok);
    return result;
  }

  // ---------------------------------------------------------------- the rejection dialog
  const modal = dialogElement && window.bootstrap ? window.bootstrap.Modal.getOrCreateInstance(dialogElement) : null;

  function askRejection(card, revert, focus) {
    if (!modal || !rejectForm) {
      if (revert) revert();
      return;
    }
    pending = { card, revert, focus, fromList: card.closest(".board-list") };
    if (revert) pending.fromList = revert.fromList;
    const name = card.querySelector("a");
    rejectForm.querySelector("[data-reject-name]").textContent = name ? name.textContent : "";
    const errors = rejectForm.querySelector("[data-reject-errors]");
    errors.hidden = true;
    errors.textContent = "";
    modal.show();
  }

  if (dialogElement) {
    dialogElement.addEventListener("shown.bs.modal", () => rejectForm.querySelector("select").focus());
    dialogElement.addEventListener("hidden.bs.modal", () => {
      if (!pending) return;
      const { revert, focus } = pending;
      pending = null;
      if (revert) revert();
      if (focus && document.body.contains(focus)) focus.focus();
    });
    rejectForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!pending) return;
      const { card, fromList } = pending;
      const result = await move(card, "rejected", {
        fromList,
        extra: {
          rejection_reason: rejectForm.elements.rejection_reason.value,
          reason: rejectForm.elements.reason.value,
        },
      });
      if (result && result.ok) {
        pending = null; // moved: nothing to put back
        rejectForm.reset();
        modal.hide();
        board.focus();
      } else if (result) {
        const errors = rejectForm.querySelector("[data-reject-errors]");
        errors.textContent = result.message;
        errors.hidden = false; // what was typed stays in the dialog
      }
    });
  }

  // ---------------------------------------------------------------- the cards' forms
  board.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-board-move]");
    if (!form) return;
    event.preventDefault();
    const card = form.closest(".board-card");
    const toStage = form.elements.to_stage.value;
    const submitter = event.submitter || form.querySelector("button");
    if (toStage === "rejected") askRejection(card, null, submitter);
    else move(card, toStage, { focusAfter: true });
  });

  // ---------------------------------------------------------------- drag-and-drop
  board.querySelectorAll("[data-board-js-only]").forEach((el) => (el.hidden = false));
  if (!window.Sortable) return;
  board.querySelectorAll(".board-list").forEach((list) => {
    window.Sortable.create(list, {
      group: "board",
      sort: false,
      draggable: ".board-card[data-move-url]",
      filter: "button, select, summary, input, textarea, label",
      preventOnFilter: false,
      animation: 150,
      onEnd(event) {
        if (event.to === event.from) return;
        const card = event.item;
        const fromList = event.from;
        const revert = () => fromList.insertBefore(card, fromList.children[event.oldIndex] || null);
        revert.fromList = fromList;
        const toStage = event.to.dataset.stage;
        if (toStage === "rejected") askRejection(card, revert, null);
        else move(card, toStage, { fromList, revert });
      },
    });
  });
})();
