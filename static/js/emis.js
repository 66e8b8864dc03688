// Page behaviours that would otherwise be inline handlers (the Content Security Policy allows no inline script):
//   <button data-print>                   prints the page
//   <select data-autosubmit>              submits its form when changed
//   <form data-confirm="question">        asks before submitting
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
  document.addEventListener("change", function (event) {
    const select = event.target.closest("[data-autosubmit]");
    if (select && select.form) {
      select.form.submit();
    }
  });
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();

// A search box with data-id-search (generic list pages of people): a whole ID number or 学籍号 typed into it is never
// sent in the list's URL. It is posted to the exact lookup page named by the attribute (rate-limited, in scope), or,
// for a role without that lookup (the attribute empty), not sent at all and the box says why.
(function () {
  "use strict";
  const ID_NUMBER = /^[GJ]?\d{17}[\dX]$/;
  document.addEventListener("submit", function (event) {
    const form = event.target;
    const box = form.querySelector && form.querySelector("input[data-id-search]");
    if (!box) {
      return;
    }
    const value = box.value.replace(/\s+/g, "").toUpperCase();
    if (!ID_NUMBER.test(value)) {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    const target = box.dataset.idSearch;
    if (!target) {
      let note = form.querySelector("[data-id-refused-note]");
      if (!note) {
        note = document.createElement("div");
        note.className = "invalid-feedback d-block";
        note.setAttribute("data-id-refused-note", "");
        box.insertAdjacentElement("afterend", note);
      }
      note.textContent = box.dataset.idRefused || "";
      return;
    }
    let token = "";
    try {
      token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      token = "";
    }
    const post = document.createElement("form");
    post.method = "post";
    post.action = target;
    post.hidden = true;
    for (const [name, fieldValue] of [["csrfmiddlewaretoken", token], ["id_number", value]]) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = fieldValue;
      post.appendChild(input);
    }
    document.body.appendChild(post);
    box.value = "";
    post.submit();
  }, true);
})();
