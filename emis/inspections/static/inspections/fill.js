// The inspection form's draft: every answer is kept in localStorage (keyed by the target) with the client token
// made here once, until the server has the inspection (its page clears the draft). Sending twice with the same
// token makes one inspection on the server; the button is disabled while a send is under way and comes back after
// a while, so that on a poor connection the inspector can send again.
(function () {
  "use strict";

  function newToken() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function load(key) {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "null");
    } catch (e) {
      return null;
    }
  }

  function save(key, draft) {
    try {
      window.localStorage.setItem(key, JSON.stringify(draft));
    } catch (e) { /* storage full or off: the form still sends */ }
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "file" && el.type !== "hidden" && el.type !== "submit";
    });
  }

  function collect(form) {
    var values = {};
    fields(form).forEach(function (el) {
      if (el.type === "radio") {
        if (el.checked) { values[el.name] = el.value; }
      } else if (el.value) {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function restore(form, values) {
    fields(form).forEach(function (el) {
      if (!(el.name in values)) { return; }
      if (el.type === "radio") {
        el.checked = el.value === values[el.name];
      } else {
        el.value = values[el.name];
      }
    });
  }

  function countFilled(form) {
    var out = form.querySelector("[data-filled]");
    if (!out) { return; }
    var done = 0;
    form.querySelectorAll("[data-item]").forEach(function (card) {
      var filled = Array.prototype.some.call(card.querySelectorAll("input, textarea"), function (el) {
        if (el.type === "radio") { return el.checked; }
        if (el.type === "file") { return el.files && el.files.length > 0; }
        return el.name && el.name.indexOf("a-") === 0 && el.value;
      });
      if (filled) { done += 1; }
    });
    out.textContent = String(done);
  }

  function setUp(form) {
    var key = form.getAttribute("data-draft-key");
    var draft = load(key);
    var restored = !!(draft && draft.values && Object.keys(draft.values).length);
    var used = form.getAttribute("data-used-token");
    if (draft && used && draft.token === used) {
      draft.token = null;  // sent already (then sent back): this filling is a new send
    }
    if (!draft || !draft.token) {
      draft = { token: newToken(), values: (draft && draft.values) || {} };
      save(key, draft);
    }
    form.querySelector("[data-client-token]").value = draft.token;
    if (restored) {
      restore(form, draft.values);
      var note = form.querySelector("[data-draft-note]");
      if (note) { note.hidden = false; }
    }
    countFilled(form);
    var keep = function () {
      draft.values = collect(form);
      save(key, draft);
      countFilled(form);
    };
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
    form.addEventListener("submit", function () {
      keep();
      var button = form.querySelector("[data-send]");
      if (!button) { return; }
      var label = button.textContent;
      window.setTimeout(function () {
        button.disabled = true;
        button.textContent = button.getAttribute("data-sending") || label;
      }, 0);
      window.setTimeout(function () {
        button.disabled = false;
        button.textContent = label;
      }, 15000);
    });
  }

  function clearDrafts() {
    document.querySelectorAll("[data-clear-draft]").forEach(function (el) {
      try {
        window.localStorage.removeItem(el.getAttribute("data-clear-draft"));
      } catch (e) { /* nothing kept */ }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-draft-key]").forEach(setUp);
    clearDrafts();
  });
})();
