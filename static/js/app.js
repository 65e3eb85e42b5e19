// Small progressive enhancements; every action also works as a plain form post.
(function () {
  "use strict";

  // <button data-dialog-open="ID"> opens <dialog id="ID"> and focuses its first field.
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-dialog-open]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
      if (dialog && dialog.showModal) {
        event.preventDefault();
        dialog.showModal();
        var focus = dialog.querySelector("[autofocus], input, select, textarea, button");
        if (focus) focus.focus();
      }
    }
    var closer = event.target.closest("[data-dialog-close]");
    if (closer) {
      var open = closer.closest("dialog");
      if (open) { event.preventDefault(); open.close(); }
    }
  });

  // A dialog delivered by htmx (hx-target="#dialog-slot") opens itself.
  document.addEventListener("htmx:afterSwap", function (event) {
    var dialog = event.target.querySelector && event.target.querySelector("dialog[data-auto-open]");
    if (dialog && !dialog.open && dialog.showModal) {
      dialog.showModal();
      var focus = dialog.querySelector("[autofocus], input, select, textarea, button");
      if (focus) focus.focus();
    }
  });

  // Menu buttons: aria-expanded toggles the menu; arrows move, Escape closes.
  function closeMenus(except) {
    document.querySelectorAll("[data-menu-button][aria-expanded=true]").forEach(function (b) {
      if (b !== except) { b.setAttribute("aria-expanded", "false"); document.getElementById(b.getAttribute("aria-controls")).hidden = true; }
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-menu-button]");
    if (!button) { closeMenus(null); return; }
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    var expanded = button.getAttribute("aria-expanded") === "true";
    closeMenus(button);
    button.setAttribute("aria-expanded", expanded ? "false" : "true");
    menu.hidden = expanded;
    if (!expanded) { var first = menu.querySelector("[role=menuitem]"); if (first) first.focus(); }
  });
  document.addEventListener("keydown", function (event) {
    var menu = event.target.closest("[role=menu]");
    if (!menu) return;
    var items = Array.prototype.slice.call(menu.querySelectorAll("[role=menuitem]"));
    var i = items.indexOf(event.target);
    if (event.key === "ArrowDown") { event.preventDefault(); items[(i + 1) % items.length].focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); items[(i - 1 + items.length) % items.length].focus(); }
    if (event.key === "Escape") {
      var button = document.querySelector("[aria-controls='" + menu.id + "']");
      closeMenus(null); if (button) button.focus();
    }
  });

  // A box with data-select-all="NAME" checks or clears every checkbox named NAME.
  document.addEventListener("change", function (event) {
    var box = event.target.closest && event.target.closest("[data-select-all]");
    if (!box) return;
    document.querySelectorAll("input[name=" + box.dataset.selectAll + "]").forEach(function (row) { row.checked = box.checked; });
  });

  // Chart bars take their width from data-percent (no inline styles: the Content-Security-Policy forbids them).
  function sizeBars(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll("[data-percent]").forEach(function (bar) { bar.style.width = bar.getAttribute("data-percent") + "%"; });
  }
  document.addEventListener("DOMContentLoaded", function () { sizeBars(document); });
  document.addEventListener("htmx:load", function (event) { sizeBars(event.target); });
})();
