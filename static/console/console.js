// The console's one script (a file, not inline: CSP is script-src 'self').
// - Confirmation dialog: <button data-confirm="Revoke X?" data-confirm-button="Revoke"> (or on the <form>)
//   opens a <dialog> with Cancel and the destructive action, instead of the browser's native confirm().
// - Tables become cards at phone width: each cell gets its column header as data-label.
// - The navigation folds into a "Menu" disclosure at phone width.
// - Copy buttons: <button class="console-copy" data-copy-target="element-id">.
// - "Got it!" gates (data-enables) and "select all" checkboxes (data-select-all).
"use strict";

const PHONE = window.matchMedia("(max-width: 767px)");

function confirmDialog(question, actionLabel) {
  const dialog = document.createElement("dialog");
  dialog.className = "console-dialog";
  dialog.setAttribute("aria-labelledby", "console-dialog-title");
  const title = document.createElement("h2");
  title.id = "console-dialog-title";
  title.textContent = "Are you sure?";
  const text = document.createElement("p");
  text.textContent = question;
  const actions = document.createElement("form");
  actions.method = "dialog";
  actions.className = "console-actions";
  const cancel = document.createElement("button");
  cancel.value = "cancel";
  cancel.className = "button secondary";
  cancel.textContent = "Cancel";
  const confirm = document.createElement("button");
  confirm.value = "confirm";
  confirm.className = "button danger";
  confirm.textContent = actionLabel;
  actions.append(cancel, confirm);
  dialog.append(title, text, actions);
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => { resolve(dialog.returnValue === "confirm"); dialog.remove(); });
    dialog.showModal();
    cancel.focus();
  });
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  const button = event.submitter;
  const question = (button && button.dataset.confirm) || form.dataset.confirm;
  if (!question || form.dataset.confirmed === "yes") return;
  event.preventDefault();
  const label = (button && button.dataset.confirmButton) || form.dataset.confirmButton || (button && button.textContent.trim()) || "Continue";
  confirmDialog(question, label).then((confirmed) => {
    if (!confirmed) return;
    form.dataset.confirmed = "yes";
    form.requestSubmit(button || undefined);
  });
});

document.addEventListener("click", (event) => {
  const button = event.target.closest(".console-copy");
  if (!button) return;
  const source = document.getElementById(button.dataset.copyTarget);
  if (!source) return;
  const label = button.textContent;
  navigator.clipboard.writeText(source.textContent.trim()).then(
    () => { button.textContent = "Copied"; },
    () => { button.textContent = "Select and copy"; }
  ).finally(() => { setTimeout(() => { button.textContent = label; }, 2000); });
});

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("#content table").forEach((table) => {
    const headers = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    table.querySelectorAll("tbody tr").forEach((row) => {
      [...row.children].forEach((cell, index) => {
        if (headers[index] && !cell.hasAttribute("data-label")) cell.dataset.label = headers[index];
      });
    });
  });
  const nav = document.querySelector("details.console-nav");
  if (nav && PHONE.matches) nav.open = false;

  document.querySelectorAll("[data-enables]").forEach((checkbox) => {
    const target = document.getElementById(checkbox.dataset.enables);
    const sync = () => { target.disabled = !checkbox.checked; };
    checkbox.addEventListener("change", sync);
    sync();
  });
  document.querySelectorAll("[data-select-all]").forEach((control) => {
    const prefix = control.dataset.selectAll;
    const boxes = [...control.closest("fieldset").querySelectorAll('input[type="checkbox"]')]
      .filter((box) => box !== control && box.value.startsWith(prefix));
    const sync = () => { control.checked = boxes.length > 0 && boxes.every((box) => box.checked); };
    control.addEventListener("change", () => boxes.forEach((box) => { box.checked = control.checked; }));
    boxes.forEach((box) => box.addEventListener("change", sync));
    sync();
  });
});
