// Date boxes that read and show dd/mm/yyyy in every browser: a text box with a pattern (the
// page accepts 31/12/2026), and beside it a small "Lịch" button that opens the browser's own
// calendar on a hidden date box and writes the chosen day back as dd/mm/yyyy. Nothing is
// fetched from elsewhere; loaded as a file (the pages allow no inline script).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const text of document.querySelectorAll("input[data-date-vi]")) {
    const button = text.parentElement.querySelector("button.pick");
    if (!button) continue;
    const calendar = document.createElement("input");
    calendar.type = "date";
    calendar.tabIndex = -1;
    calendar.className = "calendar";
    calendar.setAttribute("aria-hidden", "true");
    text.parentElement.appendChild(calendar);
    if (typeof calendar.showPicker !== "function") continue;  // the text box alone still works
    button.hidden = false;
    button.addEventListener("click", () => {
      const found = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text.value.trim());
      calendar.value = found
        ? `${found[3]}-${found[2].padStart(2, "0")}-${found[1].padStart(2, "0")}`
        : "";
      calendar.showPicker();
    });
    calendar.addEventListener("change", () => {
      const [year, month, day] = calendar.value.split("-");
      if (calendar.value) text.value = `${day}/${month}/${year}`;
      text.focus();
    });
  }
});
