// The "Got it!" gate on Finish and "select all managed-users" (no inline scripts: CSP).
// Copy buttons are console/copy.js, shared with the other console pages.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
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
