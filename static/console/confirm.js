// Destructive buttons ask first: <button data-confirm="Revoke X?">. A file, not inline, for CSP.
"use strict";
document.addEventListener("submit", function (event) {
  const button = event.submitter;
  const question = (button && button.dataset.confirm) || event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
