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
