// The questionnaire form: "Add an item" copies the formset's empty row (a <template>) and counts it in the
// management form. Without JavaScript the page still offers three empty rows each time it is opened.
(function () {
  const button = document.querySelector("[data-add-item]");
  const blank = document.getElementById("item-empty-form");
  const list = document.getElementById("items");
  const total = document.querySelector("input[name$='-TOTAL_FORMS']");
  if (!button || !blank || !list || !total) return;
  button.classList.remove("d-none");
  const hint = document.querySelector("[data-add-item-hint]");
  if (hint) hint.classList.add("d-none");
  button.addEventListener("click", function () {
    const index = parseInt(total.value, 10);
    const html = blank.innerHTML.replace(/__prefix__/g, String(index));
    list.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const row = list.lastElementChild;
    const legend = row && row.querySelector("legend");
    if (legend) legend.textContent = legend.textContent.trim() + " " + (index + 1);
    const first = row && row.querySelector("select, input:not([type=hidden])");
    if (first) first.focus();
  });
})();
