// Drag a bulletin up or down inside its slot occurrence; on drop, the new order is sent as the
// same form the "Lên"/"Xuống" buttons use (they stay the way to do it with a keyboard or without
// JavaScript). Loaded as a file: the pages allow no inline script.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const list of document.querySelectorAll("ol.bulletins[data-form]")) {
    let dragged = null;
    const items = () => [...list.querySelectorAll("li[data-id]")];
    const clear = () => items().forEach((li) => li.classList.remove("drop-here"));
    for (const item of items()) {
      item.addEventListener("dragstart", (event) => {
        dragged = item;
        item.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", item.dataset.id);
      });
      item.addEventListener("dragend", () => {
        item.classList.remove("dragging");
        clear();
        dragged = null;
      });
      item.addEventListener("dragover", (event) => {
        if (!dragged || dragged === item) return;  // only within this occurrence
        event.preventDefault();
        clear();
        item.classList.add("drop-here");
      });
      item.addEventListener("drop", (event) => {
        if (!dragged || dragged === item) return;
        event.preventDefault();
        const order = items();
        const before = order.indexOf(dragged) > order.indexOf(item) ? item : item.nextSibling;
        list.insertBefore(dragged, before);
        send(list, items().map((li) => li.dataset.id));
      });
    }
  }
});

function send(list, ids) {
  const form = document.getElementById(list.dataset.form);
  const field = document.createElement("input");
  field.type = "hidden";
  field.name = "ids";
  field.value = ids.join(",");
  form.appendChild(field);
  form.submit();
}
