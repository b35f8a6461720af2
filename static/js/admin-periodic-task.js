// Admin, periodic task form: under the crontab field, say in words what the chosen schedule means.
// (django-celery-beat does this with an inline script, which our Content-Security-Policy refuses.)
(function () {
  const script = document.currentScript;
  const island = document.getElementById("readable-crontabs");
  if (!island || typeof django === "undefined") return;
  const readable = JSON.parse(island.textContent);
  const $ = django.jQuery;
  $(".field-crontab_translation").hide();
  $(".field-crontab").on("change", function () {
    const help = $(".field-crontab .help").get(0);
    if (!help) return;
    help.replaceChildren(
      document.createTextNode(script.dataset.crontabHelp),
      document.createElement("br"),
      document.createTextNode("Translation: " + (readable[$("#id_crontab").val()] || ""))
    );
  });
})();
