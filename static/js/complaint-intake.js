// Intake form: pick a customer from the live search results (htmx fills #customer-results).
(function () {
  const results = document.getElementById("customer-results");
  if (!results) return;
  const hidden = document.getElementById("id_customer");
  const chosen = document.getElementById("chosen-customer");
  const chosenLabel = document.getElementById("chosen-customer-label");
  const newCustomer = document.getElementById("new-customer");
  const search = document.getElementById("customer-search");

  function choose(id, label) {
    hidden.value = id;
    chosenLabel.textContent = label;
    chosen.classList.toggle("d-none", !id);
    newCustomer.classList.toggle("d-none", !!id);
  }
  results.addEventListener("click", function (event) {
    const item = event.target.closest("[data-customer-id]");
    if (!item) return;
    choose(item.dataset.customerId, item.dataset.customerLabel);
    results.innerHTML = "";
    search.value = "";
  });
  document.getElementById("clear-customer").addEventListener("click", function () {
    choose("", "");
    search.focus();
  });
})();
