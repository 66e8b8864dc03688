// The search-as-you-type picker (emis.core.pickers, emis.core.widgets.PickerSelect). A <select data-picker="URL">
// holds only the chosen row(s); this script hides it behind a text box that POSTs what is typed to URL (so that an
// ID number is in no URL or access log) and lists at most twenty rows of the user's scope. The chosen row becomes
// the select's option, so the form posts exactly what a plain select would.
//   data-picker-filter="senior"                   a named narrowing the endpoint knows
//   data-picker-forward="school=school,grade=grade"  parameter=field: values of other fields sent as f_<parameter>
//   data-picker-min="1"                           characters needed before asking
// Keyboard: type, ↑/↓ to move, Enter to choose, Esc to close; Backspace in an empty box removes the last choice of a
// multiple picker. ARIA combobox/listbox roles for screen readers. No inline script or style (CSP).
(function () {
  "use strict";
  let counter = 0;

  function csrfToken() {
    const headers = document.body.getAttribute("hx-headers");
    if (headers) {
      try {
        const token = JSON.parse(headers)["X-CSRFToken"];
        if (token) return token;
      } catch (error) { /* fall through */ }
    }
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function Picker(select) {
    this.select = select;
    this.multiple = select.multiple;
    this.url = select.dataset.picker;
    this.min = parseInt(select.dataset.pickerMin || "0", 10);
    this.texts = {
      placeholder: select.dataset.pickerPlaceholder || "",
      searching: select.dataset.pickerSearching || "…",
      more: select.dataset.pickerMore || "…",
      clear: select.dataset.pickerClear || "×",
      remove: select.dataset.pickerRemove || "×",
      failed: select.dataset.pickerFailed || "!",
    };
    this.results = [];
    this.active = -1;
    this.timer = null;
    this.controller = null;
    this.build();
  }

  Picker.prototype.build = function () {
    const select = this.select;
    const id = select.id || "picker-" + (++counter);
    this.wrapper = el("div", "emis-picker" + (this.multiple ? " emis-picker-multiple" : ""));
    this.chips = el("div", "emis-picker-chips");
    this.input = el("input", "form-control emis-picker-input");
    this.input.type = "text";
    this.input.autocomplete = "off";
    this.input.setAttribute("autocapitalize", "off");
    this.input.setAttribute("spellcheck", "false");
    this.input.setAttribute("enterkeyhint", "search");
    this.input.setAttribute("role", "combobox");
    this.input.setAttribute("aria-autocomplete", "list");
    this.input.setAttribute("aria-expanded", "false");
    this.input.placeholder = this.texts.placeholder;
    this.list = el("ul", "dropdown-menu emis-picker-list");
    this.list.id = id + "-listbox";
    this.list.setAttribute("role", "listbox");
    this.input.setAttribute("aria-controls", this.list.id);
    this.clearButton = el("button", "btn-close emis-picker-clear");
    this.clearButton.type = "button";
    this.clearButton.setAttribute("aria-label", this.texts.clear);
    this.clearButton.title = this.texts.clear;
    // The field's label now points at the text box.
    select.id = id + "-select";
    this.input.id = id;
    if (select.getAttribute("aria-describedby")) {
      this.input.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
    }
    if (select.classList.contains("is-invalid")) this.input.classList.add("is-invalid");
    if (select.disabled) this.input.disabled = true;
    select.hidden = true;
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    select.parentNode.insertBefore(this.wrapper, select);
    this.wrapper.appendChild(select);
    if (this.multiple) this.wrapper.appendChild(this.chips);
    const box = el("div", "emis-picker-box");
    box.appendChild(this.input);
    if (!this.multiple && !select.required && !select.disabled) box.appendChild(this.clearButton);
    this.wrapper.appendChild(box);
    this.wrapper.appendChild(this.list);
    // Which row was chosen, in words (the school and birth year of a pupil): two pupils may share a name.
    this.note = el("small", "form-hint emis-picker-note");
    if (!this.multiple) this.wrapper.appendChild(this.note);
    this.showChosen();

    const self = this;
    this.input.addEventListener("input", function () { self.schedule(); });
    this.input.addEventListener("focus", function () {
      if (!self.multiple) self.input.select();
      if (self.min === 0 && !self.input.value) self.schedule(0);
    });
    this.input.addEventListener("keydown", function (event) { self.key(event); });
    this.input.addEventListener("blur", function () {
      // A tap on a result fires mousedown before blur; give it the time to choose.
      window.setTimeout(function () { self.close(); self.showChosen(); }, 150);
    });
    this.list.addEventListener("mousedown", function (event) {
      event.preventDefault(); // keep the focus in the box
      const item = event.target.closest("[data-index]");
      if (item) self.choose(parseInt(item.dataset.index, 10));
    });
    this.clearButton.addEventListener("click", function () { self.clear(); self.input.focus(); });
    // A choice made by another script (a draft restored) is shown too.
    this.select.addEventListener("change", function () { self.showChosen(); });
    this.chips.addEventListener("click", function (event) {
      const button = event.target.closest("[data-value]");
      if (button) self.remove(button.dataset.value);
    });
  };

  Picker.prototype.chosen = function () {
    return Array.prototype.filter.call(this.select.options, function (option) {
      return option.value !== "" && option.selected;
    });
  };

  Picker.prototype.showChosen = function () {
    const chosen = this.chosen();
    if (this.multiple) {
      this.chips.textContent = "";
      const self = this;
      chosen.forEach(function (option) {
        const chip = el("span", "badge bg-blue-lt emis-picker-chip", option.textContent);
        if (!self.select.disabled) {
          const remove = el("button", "btn-close emis-picker-remove");
          remove.type = "button";
          remove.dataset.value = option.value;
          remove.setAttribute("aria-label", self.texts.remove + " " + option.textContent);
          chip.appendChild(remove);
        }
        self.chips.appendChild(chip);
      });
      this.input.value = "";
    } else {
      const option = chosen[0];
      this.input.value = option ? option.textContent : "";
      this.note.textContent = option && option.dataset.hint ? option.dataset.hint : "";
      this.clearButton.hidden = !option;
    }
  };

  Picker.prototype.schedule = function (delay) {
    const self = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () { self.search(); }, delay === undefined ? 200 : delay);
  };

  Picker.prototype.params = function () {
    const body = new URLSearchParams();
    body.set("q", this.input.value.trim());
    if (this.select.dataset.pickerFilter) body.set("filter", this.select.dataset.pickerFilter);
    const form = this.select.form;
    (this.select.dataset.pickerForward || "").split(",").forEach(function (pair) {
      if (!pair || !form) return;
      const parts = pair.split("=");
      const field = form.elements[parts[1]];
      if (field && field.value) body.set("f_" + parts[0], field.value);
    });
    return body;
  };

  Picker.prototype.search = function () {
    const text = this.input.value.trim();
    if (text.length < this.min) { this.close(); return; }
    if (this.controller) this.controller.abort();
    this.controller = new AbortController();
    const self = this;
    if (!this.list.classList.contains("show")) this.message(this.texts.searching);
    this.list.setAttribute("aria-busy", "true"); // earlier results stay, dimmed, until the answer comes
    fetch(this.url, {
      method: "POST",
      body: this.params(),
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "XMLHttpRequest" },
      signal: this.controller.signal,
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (answer) {
      self.list.removeAttribute("aria-busy");
      if (document.activeElement === self.input) self.show(answer);
    }).catch(function (error) {
      if (error.name !== "AbortError") {
        self.list.removeAttribute("aria-busy");
        self.message(self.texts.failed);
      }
    });
  };

  Picker.prototype.message = function (text) {
    this.results = [];
    this.active = -1;
    this.list.textContent = "";
    const item = el("li", "dropdown-item disabled emis-picker-message", text);
    item.setAttribute("role", "option");
    item.setAttribute("aria-disabled", "true");
    this.list.appendChild(item);
    this.open();
  };

  Picker.prototype.show = function (answer) {
    const chosen = this.chosen().map(function (option) { return option.value; });
    this.results = answer.results || [];
    this.list.textContent = "";
    const self = this;
    this.results.forEach(function (result, index) {
      const item = el("li", "dropdown-item emis-picker-option");
      item.id = self.list.id + "-" + index;
      item.dataset.index = String(index);
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", chosen.indexOf(String(result.id)) >= 0 ? "true" : "false");
      item.appendChild(el("span", "emis-picker-text", result.text));
      if (result.hint) item.appendChild(el("small", "text-secondary emis-picker-hint", result.hint));
      self.list.appendChild(item);
    });
    if (!this.results.length) {
      this.message(answer.message || "");
      return;
    }
    if (answer.more) {
      const more = el("li", "dropdown-item disabled emis-picker-message", this.texts.more);
      more.setAttribute("aria-disabled", "true");
      this.list.appendChild(more);
    }
    this.move(0);
    this.open();
  };

  Picker.prototype.open = function () {
    this.list.classList.add("show");
    this.input.setAttribute("aria-expanded", "true");
  };

  Picker.prototype.close = function () {
    window.clearTimeout(this.timer);
    if (this.controller) this.controller.abort();
    this.list.classList.remove("show");
    this.list.removeAttribute("aria-busy");
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
  };

  Picker.prototype.move = function (index) {
    const items = this.list.querySelectorAll(".emis-picker-option");
    if (!items.length) return;
    this.active = (index + items.length) % items.length;
    items.forEach(function (item) { item.classList.remove("active"); });
    const item = items[this.active];
    item.classList.add("active");
    item.scrollIntoView({ block: "nearest" });
    this.input.setAttribute("aria-activedescendant", item.id);
  };

  Picker.prototype.key = function (event) {
    const open = this.list.classList.contains("show");
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) { this.schedule(0); return; }
      this.move(this.active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter") {
      if (open) {
        event.preventDefault(); // never submit the form while choosing
        if (this.active >= 0) this.choose(this.active);
      }
    } else if (event.key === "Escape") {
      if (open) { event.preventDefault(); this.close(); this.showChosen(); }
    } else if (event.key === "Backspace" && this.multiple && !this.input.value) {
      const chosen = this.chosen();
      if (chosen.length) this.remove(chosen[chosen.length - 1].value);
    }
  };

  Picker.prototype.option = function (result) {
    let option = Array.prototype.find.call(this.select.options, function (o) { return o.value === String(result.id); });
    if (!option) {
      option = new Option(result.text, String(result.id));
      this.select.appendChild(option);
    }
    option.textContent = result.text;
    if (result.hint) option.dataset.hint = result.hint;
    return option;
  };

  Picker.prototype.choose = function (index) {
    const result = this.results[index];
    if (!result) return;
    if (!this.multiple) {
      Array.prototype.forEach.call(this.select.options, function (o) { o.selected = false; });
    }
    this.option(result).selected = true;
    this.close();
    this.showChosen();
    this.changed();
    if (this.multiple) this.input.focus();
  };

  Picker.prototype.remove = function (value) {
    Array.prototype.forEach.call(this.select.options, function (o) {
      if (o.value === value) o.selected = false;
    });
    this.showChosen();
    this.changed();
    this.input.focus();
  };

  Picker.prototype.clear = function () {
    Array.prototype.forEach.call(this.select.options, function (o) { o.selected = o.value === ""; });
    this.showChosen();
    this.changed();
  };

  Picker.prototype.changed = function () {
    this.select.dispatchEvent(new Event("change", { bubbles: true }));
  };

  function enhance(root) {
    root.querySelectorAll("select[data-picker]").forEach(function (select) {
      if (!select.dataset.pickerReady) {
        select.dataset.pickerReady = "1";
        new Picker(select);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  // Fragments swapped in by htmx (a list's filters) get their pickers too.
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
})();
