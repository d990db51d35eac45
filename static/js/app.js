// Behaviour of every page, loaded by base.html (Content-Security-Policy: no inline scripts or
// event-handler attributes). A <select data-submit-on-change> submits its form when changed (the
// language menu); without JavaScript its form keeps its own submit button (<noscript>).
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-submit-on-change") && field.form) {
    field.form.submit();
  }
});

// A stage-move form (the application page): the rejection reason is shown only when "Rejected" is
// chosen. Without JavaScript it stays visible (and the server still asks for it).
function syncRejectionFields(select) {
  const form = select.form;
  if (!form) return;
  const rejecting = select.value === "rejected";
  form.querySelectorAll("[data-rejection-field]").forEach((field) => {
    const wrapper = field.closest("[id^='div_id_']") || field;
    wrapper.hidden = !rejecting;
  });
}
document.querySelectorAll("select[data-stage-select]").forEach(syncRejectionFields);
document.addEventListener("change", (event) => {
  if (event.target instanceof HTMLSelectElement && event.target.hasAttribute("data-stage-select")) {
    syncRejectionFields(event.target);
  }
});

// Plain words with their explanation (templates/_term.html): a Bootstrap tooltip on hover, keyboard
// focus and tap; Escape closes it. Without JavaScript the button's title shows the same text.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.bootstrap || !window.bootstrap.Tooltip) { return; }
  document.querySelectorAll("button.term[data-bs-toggle='tooltip']").forEach((term) => {
    const tooltip = window.bootstrap.Tooltip.getOrCreateInstance(term, { trigger: "hover focus" });
    term.addEventListener("keydown", (event) => { if (event.key === "Escape") { tooltip.hide(); } });
  });
});
