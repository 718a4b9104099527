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

  // A background build (quarterly report, annual summary) polls its table row. Once no row is
  // building any more, the "being built" message and hint go and the build button is back:
  // they used to stay next to a row that said 完成.
  // A build that was done before the page came back (a quick one) is checked on load too.
  function whenBuilt() {
    if (document.querySelector("[data-building]")) { return; }
    document.querySelectorAll("[data-while-building]").forEach(function (element) { element.remove(); });
    document.querySelectorAll("[data-enabled-when-built]").forEach(function (button) { button.disabled = false; });
  }
  document.addEventListener("htmx:afterSettle", whenBuilt);
  whenBuilt();
})();
