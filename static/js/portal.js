// Behaviour shared by every page. The Content-Security-Policy allows no inline script or
// onchange="" attributes, so they are declared in the markup and wired up here.
(function () {
  // <select data-autosubmit>: choosing an option submits its form (filters, language).
  // Listening on the document also covers content htmx swaps in later.
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]") && event.target.form) {
      event.target.form.submit();
    }
  });
})();
