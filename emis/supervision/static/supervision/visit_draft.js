// 督导记录 on a phone: the form's draft stays in this browser (localStorage) until the visit is recorded, so a poor
// connection loses nothing; the draft keeps its client token, so sending it twice records one visit. A kept draft
// is first checked with the server (?token=): already recorded, it is dropped; not yet, it is restored.
(function () {
  "use strict";
  var LABEL = "__label__";

  // Selects the saved values; a value whose option the page does not hold (a picker starts with none) is added with
  // its saved label. The change event lets the picker show it.
  function restoreSelect(select, values, labels) {
    values.forEach(function (value, index) {
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === value; });
      if (!option) {
        option = new Option(labels[index] || value, value);
        select.add(option);
      }
      option.selected = true;
    });
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function start() {
    var form = document.getElementById("visit-form");
    if (!form) { return; }
    var key = form.dataset.draftKey;
    var bound = form.dataset.bound === "1";
    var checked = form.dataset.checkedToken || "";
    var recorded = form.dataset.recorded === "1";
    var saved = null;
    try { saved = JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
    if (saved && !bound && saved.client_token && checked !== saved.client_token[0]) {
      window.location.replace("?token=" + encodeURIComponent(saved.client_token[0]));
      return;
    }
    if (saved && recorded) {
      window.localStorage.removeItem(key);
      saved = null;
    }
    if (saved && !bound) {
      Object.keys(saved).forEach(function (name) {
        form.querySelectorAll('[name="' + name + '"]').forEach(function (el) {
          if (el.type === "checkbox") { el.checked = saved[name].indexOf(el.value) >= 0; }
          else if (el.tagName === "SELECT") { restoreSelect(el, saved[name], saved[LABEL + name] || []); }
          else if (el.type !== "file") { el.value = saved[name][0]; }
        });
      });
      var note = document.getElementById("draft-restored");
      if (note) { note.classList.remove("d-none"); }
    }
    function store() {
      var data = {};
      new FormData(form).forEach(function (value, name) {
        if (name === "csrfmiddlewaretoken" || typeof value !== "string") { return; }
        (data[name] = data[name] || []).push(value);
      });
      // A picker's select holds only the row chosen (the school): its label is kept to put the option back.
      form.querySelectorAll("select[name]").forEach(function (select) {
        data[LABEL + select.name] = Array.prototype.filter.call(select.options, function (option) {
          return option.selected && option.value !== "";
        }).map(function (option) { return option.textContent; });
      });
      window.localStorage.setItem(key, JSON.stringify(data));
    }
    form.addEventListener("input", store);
    form.addEventListener("change", store);
    store();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
