// Insert a canned phrase (话术) into the nearest text area marked data-phrase-target.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-phrase]");
  if (!button) return;
  const form = button.closest("[data-phrase-scope]") || document;
  const target = form.querySelector("[data-phrase-target]");
  if (!target) return;
  const text = button.dataset.phrase;
  target.value = target.value ? target.value + "\n" + text : text;
  target.focus();
});
