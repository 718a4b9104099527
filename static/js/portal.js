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

  // <form data-warn-unsaved>: leaving the page while one holds something not yet saved asks
  // first (the browser's own "leave site?" question). Submitting the form is not leaving it.
  // What counts is a field differing from what the page came with, so typing a value back,
  // or a file attached in place (its chooser is swapped out empty), asks nothing. A form the
  // server sent back refused (data-warn-unsaved="posted") holds unsaved values as it stands.
  var submitted = null;
  document.addEventListener("submit", function (event) {
    if (!event.defaultPrevented) {  // a form htmx posts in place stays on the page
      submitted = event.target;
    }
  });

  function changed(field) {
    if (field.disabled || !field.type || field.type === "hidden") {
      return false;
    }
    if (field.type === "file") {
      return field.files.length > 0;
    }
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    if (field.options) {
      return Array.prototype.some.call(field.options, function (option) {
        return option.selected !== option.defaultSelected;
      });
    }
    return "defaultValue" in field && field.value !== field.defaultValue;
  }

  function unsaved(form) {
    if (form === submitted) {
      return false;
    }
    return form.dataset.warnUnsaved === "posted" || Array.prototype.some.call(form.elements, changed);
  }

  window.addEventListener("beforeunload", function (event) {
    var forms = document.querySelectorAll("form[data-warn-unsaved]");
    if (Array.prototype.some.call(forms, unsaved)) {
      event.preventDefault();
      event.returnValue = "";  // older browsers ask only when this is set
    }
  });

  // A request htmx sends in place that fails (the server refused it, or it never arrived)
  // swaps nothing: the [data-request-failed] notice in its target says so instead.
  function failed(event) {
    var notice = event.detail.target && event.detail.target.querySelector("[data-request-failed]");
    if (notice) {
      notice.hidden = false;
    }
  }
  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);

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

  // <li class="dropdown" data-menu-url="…">: the menu's content is read from the server when
  // it is first opened (the bell's latest messages), so no page pays for it up front.
  document.addEventListener("show.bs.dropdown", function (event) {
    var holder = event.target.closest("[data-menu-url]");
    if (!holder || holder.dataset.menuLoaded) {
      return;
    }
    holder.dataset.menuLoaded = "1";
    fetch(holder.dataset.menuUrl, {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) { holder.querySelector(".dropdown-menu").innerHTML = html; })
      .catch(function () { delete holder.dataset.menuLoaded; });
  });
})();
