// The customer's survey page (templates/satisfaction/answer.html).
// Half-filled answers survive a dropped connection or a closed tab: every change is saved to localStorage under
// a hash of the page's path (the link's token itself is not written down), restored on load, and cleared by the
// thanks page. The form is sent with fetch, so a network error leaves the page, and every answer, as it was.
(function () {
  "use strict";

  const FORMAT = 1;

  // cyrb53: a small, fast string hash; collisions only mean one stale draft is offered to another link.
  function hash(text) {
    let h1 = 0xdeadbeef;
    let h2 = 0x41c6ce57;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
  }

  function storageKey(path) {
    return "survey-answer:" + hash(path);
  }

  // Storage can be missing or refuse (private windows, full quota): the page then simply works without it.
  function read(key) {
    try {
      const saved = JSON.parse(window.localStorage.getItem(key) || "null");
      return saved && saved.format === FORMAT && saved.fields ? saved.fields : null;
    } catch (error) {
      return null;
    }
  }

  // Nothing answered, nothing kept: a shared device does not collect empty drafts.
  function write(key, fields) {
    try {
      if (Object.keys(fields).length === 0) {
        window.localStorage.removeItem(key);
      } else {
        window.localStorage.setItem(key, JSON.stringify({ format: FORMAT, savedAt: Date.now(), fields: fields }));
      }
      return true;
    } catch (error) {
      return false;
    }
  }

  function forget(key) {
    try {
      window.localStorage.removeItem(key);
    } catch (error) {
      // nothing to forget
    }
  }

  function answerable(form) {
    return Array.prototype.filter.call(form.elements, function (element) {
      return element.name && element.name !== "csrfmiddlewaretoken" && element.type !== "submit";
    });
  }

  function collect(form) {
    const fields = {};
    answerable(form).forEach(function (element) {
      if (element.type === "radio") {
        if (element.checked) fields[element.name] = element.value;
      } else if (element.value) {
        fields[element.name] = element.value;
      }
    });
    return fields;
  }

  // Only what the page does not already show is filled in: after a form error, the server's copy wins.
  function restore(form, fields) {
    let restored = false;
    answerable(form).forEach(function (element) {
      if (!(element.name in fields)) return;
      if (element.type === "radio") {
        const group = form.querySelectorAll('input[type="radio"][name="' + element.name + '"]');
        const anyChecked = Array.prototype.some.call(group, function (radio) {
          return radio.checked;
        });
        if (!anyChecked && element.value === fields[element.name]) {
          element.checked = true;
          restored = true;
        }
      } else if (!element.value) {
        element.value = fields[element.name];
        restored = true;
      }
    });
    return restored;
  }

  function isAnswered(form, name) {
    return !!form.querySelector('input[name="' + name + '"]:checked');
  }

  function refresh(form) {
    const questions = form.querySelectorAll("[data-survey-question]");
    let answered = 0;
    questions.forEach(function (question) {
      if (isAnswered(form, question.dataset.surveyQuestion)) answered += 1;
    });
    const progress = form.querySelector("[data-survey-progress]");
    if (progress) {
      progress.textContent = progress.dataset.pattern
        .replace("%(answered)s", String(answered))
        .replace("%(total)s", String(questions.length));
    }
    const bar = form.querySelector("[data-survey-progress-bar]");
    if (bar) bar.value = answered;
    form.querySelectorAll("[data-survey-clear]").forEach(function (button) {
      button.classList.toggle("d-none", !isAnswered(form, button.dataset.surveyClear));
    });
  }

  function setSending(form, sending) {
    const button = form.querySelector("[data-survey-submit]");
    if (!button) return;
    if (!button.dataset.idleText) button.dataset.idleText = button.textContent;
    button.disabled = sending;
    button.textContent = sending ? button.dataset.sendingText : button.dataset.idleText;
  }

  // The server's answer to a send that did not end on the thanks page (a form error, a used or expired link, too
  // many requests): its <main> replaces ours, so the page stays this page with the answers in it.
  function showAnswer(html) {
    const next = new DOMParser().parseFromString(html, "text/html");
    const main = document.getElementById("main");
    const nextMain = next.getElementById("main");
    if (!main || !nextMain) {
      document.documentElement.innerHTML = next.documentElement.innerHTML;
      return;
    }
    main.replaceWith(document.importNode(nextMain, true));
    if (next.title) document.title = next.title;
    start(document);
    const focus = document.querySelector("[data-survey-errors]") || document.querySelector("#main h1");
    if (focus) {
      if (!focus.hasAttribute("tabindex")) focus.setAttribute("tabindex", "-1");
      focus.focus();
    }
  }

  function send(form, key, offline) {
    write(key, collect(form));
    offline.classList.add("d-none");
    setSending(form, true);
    window
      .fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        redirect: "manual",
      })
      .then(function (response) {
        // The only redirect a send can get is to the thanks page (which clears the saved answers).
        if (response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400)) {
          window.location.assign(form.dataset.thanksUrl);
          return null;
        }
        return response.text().then(showAnswer);
      })
      .catch(function () {
        setSending(form, false);
        offline.classList.remove("d-none");
        offline.focus();
      });
  }

  function startForm(form) {
    const key = storageKey(form.dataset.storagePath);
    const saved = read(key);
    if (saved && restore(form, saved)) {
      const note = document.querySelector("[data-survey-restored]");
      if (note) note.classList.remove("d-none");
    }
    if (write(key, collect(form))) {
      const kept = form.querySelector("[data-survey-kept]");
      if (kept) kept.classList.remove("d-none");
    }
    refresh(form);

    function changed() {
      write(key, collect(form));
      refresh(form);
    }
    form.addEventListener("change", changed);
    form.addEventListener("input", changed);
    form.addEventListener("click", function (event) {
      const clear = event.target.closest("[data-survey-clear]");
      if (!clear) return;
      const radios = form.querySelectorAll('input[type="radio"][name="' + clear.dataset.surveyClear + '"]');
      radios.forEach(function (radio) {
        radio.checked = false;
      });
      changed();
      if (radios.length) radios[0].focus();
    });

    const offline = form.querySelector("[data-survey-offline]");
    if (window.fetch && window.FormData && window.DOMParser && offline) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        send(form, key, offline);
      });
    }
  }

  function start(root) {
    const form = root.querySelector("[data-survey-form]");
    if (form) startForm(form);
    const done = root.querySelector("[data-survey-clear-storage]");
    if (done) forget(storageKey(done.dataset.storagePath));
    const errors = root.querySelector("[data-survey-errors]");
    if (errors && root === document) errors.focus();
  }

  start(document);
})();
