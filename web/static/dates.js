// Beside each date box, the chosen day as dd/mm/yyyy: the box itself follows the browser's
// language (often mm/dd/yyyy), the page does not. Loaded as a file: the pages allow no inline script.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("input[type=date]")) {
    const shown = input.parentElement.querySelector(".vi-date");
    if (!shown) continue;
    input.addEventListener("input", () => {
      const [year, month, day] = input.value.split("-");
      shown.textContent = input.value ? `(${day}/${month}/${year})` : "";
    });
  }
});
