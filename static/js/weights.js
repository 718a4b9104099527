// The scorecard weights form (templates/reports/weights.html): a running total of the part
// weights as the user types, and the upper end of 较差 following the 一般 field. The
// sentences come from the page (data-ok/under/over/unknown, translated on the server) so
// the browser says exactly what the server would. A static file: the CSP allows no inline script.
(function () {
  var form = document.querySelector("[data-weights-form]");
  if (!form) {
    return;
  }
  var total = form.querySelector("[data-weights-total]");
  var poorBelow = form.querySelector("[data-poor-below]");
  var required = 100;

  function wholeNumber(input) {
    var text = input.value.trim();
    return /^\d+$/.test(text) ? parseInt(text, 10) : null;
  }

  function fill(template, sum) {
    return template.replace("%(total)s", sum).replace("%(gap)s", Math.abs(required - sum));
  }

  function update() {
    var sum = 0;
    var known = true;
    form.querySelectorAll("[data-weight]").forEach(function (input) {
      var value = wholeNumber(input);
      if (value === null) {
        known = false;
      } else {
        sum += value;
      }
    });
    var state = !known ? "unknown" : sum === required ? "ok" : sum < required ? "under" : "over";
    total.textContent = fill(total.dataset[state], sum);
    total.classList.toggle("text-success", state === "ok");
    total.classList.toggle("text-danger", state !== "ok");
    var fair = form.querySelector("[data-fair-from]");
    if (poorBelow && fair && wholeNumber(fair) !== null) {
      poorBelow.textContent = wholeNumber(fair);
    }
  }

  form.addEventListener("input", update);
})();
