// Copy buttons: <button class="console-copy" data-copy-target="element-id">. A file, not inline, for CSP.
"use strict";
document.addEventListener("click", function (event) {
  const button = event.target.closest(".console-copy");
  if (!button) return;
  const source = document.getElementById(button.dataset.copyTarget);
  if (!source) return;
  const label = button.textContent;
  navigator.clipboard.writeText(source.textContent.trim()).then(
    function () { button.textContent = "Copied"; },
    function () { button.textContent = "Select and copy"; }
  ).finally(function () { setTimeout(function () { button.textContent = label; }, 2000); });
});
