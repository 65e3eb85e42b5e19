// The site's shared script: small progressive enhancements; every action also works as a plain form post.
// Menus are Bootstrap dropdowns (static/vendor/bootstrap): Popper keeps them inside the viewport, arrows
// move between items and Escape closes them, returning focus to their button.
(function () {
  "use strict";

  var FOCUSABLE = "[autofocus], input:not([type=hidden]):not([disabled]), select, textarea, button, a[href]";

  // Whatever opened the dialog gets focus back when it closes. A menu item disappears with its menu,
  // so its menu's button stands in for it.
  var opener = null;
  function rememberOpener(element) {
    var dropdown = element.closest(".dropdown");
    opener = dropdown ? dropdown.querySelector("[data-bs-toggle=dropdown]") : element;
  }
  function openDialog(dialog) {
    if (!dialog || dialog.open || !dialog.showModal) return;
    dialog.showModal();
    var focus = dialog.querySelector(FOCUSABLE);
    if (focus) focus.focus();
  }
  document.addEventListener("close", function (event) {
    if (event.target.tagName !== "DIALOG") return;
    if (opener && document.body.contains(opener)) opener.focus();
  }, true);

  document.addEventListener("click", function (event) {
    var launcher = event.target.closest("[data-dialog-open], [hx-target='#dialog-slot']");
    if (launcher && !launcher.closest("dialog")) rememberOpener(launcher);
    var button = event.target.closest("[data-dialog-open]");
    if (button) {
      var dialog = document.getElementById(button.getAttribute("data-dialog-open"));
      if (dialog && dialog.showModal) { event.preventDefault(); openDialog(dialog); }
    }
    var closer = event.target.closest("[data-dialog-close]");
    if (closer) {
      var open = closer.closest("dialog");
      if (open) { event.preventDefault(); open.close(); }
    }
  });

  // A menu that opens puts focus on its first item (the ARIA menu pattern); Escape gives it back to the button.
  document.addEventListener("shown.bs.dropdown", function (event) {
    var menu = event.target.closest(".dropdown").querySelector(".dropdown-menu");
    var first = menu && menu.querySelector(".dropdown-item");
    if (first) first.focus();
  });

  // A dialog delivered by htmx (hx-target="#dialog-slot") opens itself.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.querySelector) openDialog(event.target.querySelector("dialog[data-auto-open]"));
  });

  // Fields that only matter for one choice: data-show-when="NAME:VALUE1,VALUE2" shows the element
  // only while the form's control NAME has one of the values. Without this script every field shows.
  function chosen(form, name) {
    var controls = form.querySelectorAll("[name='" + name + "']");
    for (var i = 0; i < controls.length; i++) {
      var control = controls[i];
      if (control.type === "radio" || control.type === "checkbox") { if (control.checked) return control.value; }
      else return control.value;
    }
    return "";
  }
  function applyShowWhen(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll("form").forEach(function (form) {
      form.querySelectorAll("[data-show-when]").forEach(function (element) {
        var rule = element.getAttribute("data-show-when").split(":");
        element.hidden = rule[1].split(",").indexOf(chosen(form, rule[0])) === -1;
      });
    });
  }
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.querySelector("[data-show-when]")) applyShowWhen(form.parentNode);
  });

  // A box with data-select-all="NAME" checks or clears every checkbox named NAME.
  document.addEventListener("change", function (event) {
    var box = event.target.closest && event.target.closest("[data-select-all]");
    if (!box) return;
    document.querySelectorAll("input[name=" + box.dataset.selectAll + "]").forEach(function (row) { row.checked = box.checked; });
  });

  // Bars (chart bars, progress bars) take their width from data-percent: the Content-Security-Policy
  // forbids inline styles, and a style set from a script is allowed.
  function sizeBars(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll("[data-percent]").forEach(function (bar) { bar.style.width = bar.getAttribute("data-percent") + "%"; });
  }
  function enhance(root) { sizeBars(root); applyShowWhen(root); }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
