// Behaviour of every page, loaded by base.html (Content-Security-Policy: no inline scripts or
// event-handler attributes). A <select data-submit-on-change> submits its form when changed (the
// language menu); without JavaScript its form keeps its own submit button (<noscript>).
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-submit-on-change") && field.form) {
    field.form.submit();
  }
});
