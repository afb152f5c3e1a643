// The agency's pages: a copy button beside a link or key shown once
// (the field stays selectable without this file), and nothing else.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button.copy[data-copy]").forEach(function (b) {
    const field = document.querySelector(b.dataset.copy);
    if (!field || !navigator.clipboard) return;
    b.hidden = false;
    const label = b.textContent;
    b.addEventListener("click", async function () {
      field.select();
      try {
        await navigator.clipboard.writeText(field.value);
        b.textContent = b.dataset.copied;
        setTimeout(function () { b.textContent = label; }, 2000);
      } catch (e) {
        // Clipboard refused (an insecure origin): the field is selected
        // for the person to copy by hand.
      }
    });
  });
});
